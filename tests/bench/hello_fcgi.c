/* hello_fcgi.c — the minimal libfcgi responder: the floor for a page through nginx.
 * usage: hello_fcgi SOCKET PROCESSES */
#include <fcgiapp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3 || FCGX_Init() != 0)
		return 2;
	unlink(argv[1]);
	int fd = FCGX_OpenSocket(argv[1], 128);
	if (fd < 0)
		return 1;
	chmod(argv[1], 0660);
	for (int i = 1; i < atoi(argv[2]); i++)
		if (fork() == 0)
			break;
	FCGX_Request r;
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
				    "<!DOCTYPE html><html lang=\"de\"><title>Hallo</title><p>Hallo</p></html>");
		FCGX_Finish_r(&r);
	}
	return 0;
}
