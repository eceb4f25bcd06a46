"""The master process (issue 2, DESIGN.md): a worker that dies is replaced, workers are recycled
after worker_max_requests, SIGHUP reloads the configuration (a broken one is refused)."""

import os
import signal
import time

import mv

master_pid = mv.master_pid
children = mv.children


def wait_for(cond, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return False


class Master(mv.Case):
    def test_a_killed_worker_is_replaced_and_service_goes_on(self):
        m = master_pid()
        before = children(m)
        self.assertGreaterEqual(len(before), 2, "workers and mailer")
        victim = before[0]
        os.kill(victim, signal.SIGKILL)
        self.assertTrue(wait_for(lambda: victim not in children(m) and len(children(m)) == len(before)),
                        "the master starts a new child")
        for _ in range(20):
            self.assertEqual(mv.Client().get("/anmelden").status, 200)

    def test_b_workers_are_recycled_after_max_requests(self):
        mv.restart_app(MV_WORKER_MAX_REQUESTS=3, MV_WORKERS=2)
        try:
            m = master_pid()
            first = set(children(m))
            for _ in range(30):
                self.assertEqual(mv.Client().get("/impressum").status, 200)
            self.assertTrue(wait_for(lambda: len(set(children(m)) - first) >= 2),
                            "workers that served their requests were replaced")
        finally:
            mv.restart_app()

    def test_c_sighup_reloads_the_configuration_and_refuses_a_broken_one(self):
        conf = os.path.join(mv.VAR, "mv.conf")
        with open(conf) as f:
            original = f.read()
        a = mv.ready_admin()
        try:
            with open(conf, "a") as f:
                f.write("tan_ttl_s = 120\n")
            os.kill(master_pid(), signal.SIGHUP)
            time.sleep(1.0)  # the master restarts its children with the new configuration
            self.assertTrue(wait_for(mv.alive))
            c, r = mv.login_password(a.kennung, a.password)
            self.assertEqual((r.status, r.location), (303, "/anmelden/tan"))
            ok = wait_for(lambda: "lediglich 2 Minuten" in c.get("/anmelden/tan").text)
            self.assertTrue(ok, "the TAN page reflects the reloaded tan_ttl_s")
            # a broken file: the master keeps the configuration it has and keeps serving
            with open(conf, "a") as f:
                f.write("tan_ttl_s = kaputt\n")
            os.kill(master_pid(), signal.SIGHUP)
            time.sleep(1.5)
            self.assertEqual(mv.Client().get("/anmelden").status, 200)
            with open(mv.APP_LOG) as f:
                self.assertIn("reload refused", f.read())
        finally:
            with open(conf, "w") as f:
                f.write(original)
            os.kill(master_pid(), signal.SIGHUP)
            time.sleep(1.5)
            mv.latest_tan(a.email)
