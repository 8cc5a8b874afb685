/* A tiny step language for OS-model tests: a process runs an array of steps on "its"
 * connection (the listener is kept apart), so each test reads as a short script. */
#ifndef TCPSIM_OS_STEPS_H
#define TCPSIM_OS_STEPS_H

#include "proc.h"

#include <errno.h>
#include <string.h>

enum op {
    OP_END, OP_CONNECT, OP_LISTEN, OP_ACCEPT, OP_SEND, OP_SEND_NOSIGNAL, OP_RECV, OP_RECV_ALL,
    OP_CLOSE, OP_CLOSE_LISTENER, OP_SHUTDOWN_WR, OP_SLEEP_MS, OP_EXIT, OP_SIGPIPE_IGNORE,
    OP_SIGTERM_HANDLE, OP_SIGTERM_IGNORE, OP_FD_LIMIT, OP_SOCKET_ONLY, OP_LINGER0,
    OP_SOCKETS_UNTIL_FAILURE, OP_ACCEPT_SECOND,
};

struct step {
    enum op op;
    long arg;
};

#define SERVER_PORT 7000

struct script_state {
    int listener, conn, first_conn;
    long last_ret;
    int last_errno;
};

static void run_steps(struct proc *p, void *arg)
{
    const struct step *s = arg;
    struct script_state st = { -1, -1, -1, 0, 0 };
    static char buf[65536];
    for (; s->op != OP_END; s++) {
        switch (s->op) {
        case OP_CONNECT:
            st.conn = proc_socket(p);
            st.last_ret = proc_connect(p, st.conn, "10.0.0.2", SERVER_PORT);
            break;
        case OP_LISTEN:
            st.listener = proc_socket(p);
            proc_bind(p, st.listener, NULL, SERVER_PORT);
            proc_listen(p, st.listener, (int)(s->arg ? s->arg : 8));
            break;
        case OP_ACCEPT:
            st.conn = proc_accept(p, st.listener);
            break;
        case OP_ACCEPT_SECOND:          /* keep the first connection, work on a second one */
            st.first_conn = st.conn;
            st.conn = proc_accept(p, st.listener);
            break;
        case OP_SOCKETS_UNTIL_FAILURE:  /* the count made is left in last_ret */
            for (st.last_ret = 0; proc_socket(p) >= 0; st.last_ret++) {}
            st.last_errno = errno;
            break;
        case OP_SEND:
        case OP_SEND_NOSIGNAL:
            memset(buf, 'x', (size_t)s->arg);
            st.last_ret = proc_send(p, st.conn, buf, (size_t)s->arg,
                                    s->op == OP_SEND_NOSIGNAL ? PROC_MSG_NOSIGNAL : 0);
            break;
        case OP_RECV:
            st.last_ret = proc_recv(p, st.conn, buf, (size_t)s->arg, 0);
            break;
        case OP_RECV_ALL:
            while ((st.last_ret = proc_recv(p, st.conn, buf, sizeof buf, 0)) > 0) {}
            break;
        case OP_CLOSE:
            proc_close(p, st.conn);
            break;
        case OP_CLOSE_LISTENER:
            proc_close(p, st.listener);
            break;
        case OP_SHUTDOWN_WR:
            proc_shutdown(p, st.conn, 1);
            break;
        case OP_SLEEP_MS:
            proc_sleep_us(p, (uint64_t)s->arg * 1000);
            break;
        case OP_EXIT:
            proc_exit(p, (int)s->arg);
        case OP_SIGPIPE_IGNORE:
            proc_set_disposition(p, PROC_SIGPIPE, PROC_SIG_IGNORE);
            break;
        case OP_SIGTERM_HANDLE:
            proc_set_disposition(p, PROC_SIGTERM, PROC_SIG_HANDLE);
            break;
        case OP_SIGTERM_IGNORE:
            proc_set_disposition(p, PROC_SIGTERM, PROC_SIG_IGNORE);
            break;
        case OP_FD_LIMIT:
            proc_set_fd_limit(p, (int)s->arg);
            break;
        case OP_SOCKET_ONLY:
            proc_socket(p);
            break;
        case OP_LINGER0: {
            struct stack_opt o = { .name = STACK_SO_LINGER, .value = 1, .linger_s = 0 };
            proc_setsockopt(p, st.conn, &o);
            break;
        }
        case OP_END:
            break;
        }
    }
}

#endif
