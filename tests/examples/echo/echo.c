/* echo — see echo.h. Ordinary POSIX socket code: compile it as is for a real network, or with
 * `-include tcpsim/posix.h` to run it in a tcpsim simulated process (see the Makefile). */
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int serve_one(int conn)
{
    char buf[512];
    ssize_t n;
    while ((n = read(conn, buf, sizeof buf)) > 0)
        if (write(conn, buf, (size_t)n) != n) return -1;
    return n == 0 ? 0 : -1;
}

int echo_serve(uint16_t port, int clients)
{
    int one = 1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_ANY) };
    int lst = socket(AF_INET, SOCK_STREAM, 0);
    if (lst < 0) return -1;
    if (setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(lst, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lst, 4) < 0) {
        close(lst);
        return -1;
    }
    for (int i = 0; i < clients; i++) {
        int conn = accept(lst, NULL, NULL);
        if (conn < 0) break;
        serve_one(conn);
        close(conn);
    }
    close(lst);
    return 0;
}

long echo_request(const char *ip, uint16_t port, const char *msg, char *reply, size_t size,
                  int timeout_ms)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    int one = 1;
    size_t len = strlen(msg), got = 0;
    if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) return -1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return -1;
    if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        connect(s, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        send(s, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
        goto fail;
    while (got < len && got + 1 < size) {
        ssize_t n = recv(s, reply + got, size - 1 - got, 0);
        if (n <= 0) goto fail;
        got += (size_t)n;
    }
    reply[got] = '\0';
    close(s);
    return (long)got;
fail:;
    int saved = errno;
    close(s);
    errno = saved;
    return -1;
}
