/*
 * tests/tools/hang: a loopback server that accepts connections and never
 * answers, for the tests of a remote or a router replica that hangs.
 *
 *   hang PORT_FILE
 *
 * Listens on 127.0.0.1 (a port the kernel picks), writes the port to
 * PORT_FILE, and keeps every connection open, silent, until killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	FILE *f;

	if (argc != 2 || s < 0)
		return 2;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 128) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		return 1;
	if (!(f = fopen(argv[1], "w")))
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		int c = accept(s, NULL, NULL);
		(void)c; /* kept open, never read, never answered */
	}
}
