/* web.h — what a worker process runs: one FastCGI request at a time. */
#ifndef MV_WEB_H
#define MV_WEB_H

void worker_init(void);                    /* database connection, warmed dummy hash */
int worker_handle_fcgi(void *fcgx_request); /* FCGX_Request *: one whole request */

#endif
