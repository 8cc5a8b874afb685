/* catalog — see catalog.h. */
#include "catalog.h"

#include "proc.h"

#include <string.h>

/* ---- graceful-close ----
 * The baseline every other teardown is compared with: connect, one request and one reply,
 * the client closes first (so it is the side that waits in TIME_WAIT), the server reads EOF
 * and closes its side, then its listener. */

#define GC_PORT 7000
static const char gc_request[] = "GET /greeting\n";
static const char gc_reply[] = "hello from the server, goodbye\n";

static void gc_server(struct proc *p, void *arg)
{
    (void)arg;
    char buf[256];
    int lfd = proc_socket(p);
    proc_bind(p, lfd, NULL, GC_PORT);
    proc_listen(p, lfd, 4);
    int fd = proc_accept(p, lfd);
    proc_recv(p, fd, buf, sizeof buf, 0);
    proc_send(p, fd, gc_reply, strlen(gc_reply), 0);
    proc_recv(p, fd, buf, sizeof buf, 0);   /* 0: the client closed (EOF) */
    proc_close(p, fd);
    proc_close(p, lfd);
}

static void gc_client(struct proc *p, void *arg)
{
    (void)arg;
    char buf[256];
    int fd = proc_socket(p);
    proc_connect(p, fd, "10.0.0.2", GC_PORT);
    proc_send(p, fd, gc_request, strlen(gc_request), 0);
    proc_recv(p, fd, buf, sizeof buf, 0);
    proc_close(p, fd);
}

static void setup_graceful_close(struct world *w)
{
    struct host *client = world_add_host(w, "client", "10.0.0.1");
    struct host *server = world_add_host(w, "server", "10.0.0.2");
    host_spawn(server, "server", 0, gc_server, NULL);
    host_spawn(client, "client", 10000, gc_client, NULL);
}

const struct catalog_entry catalog[] = {
    { "graceful-close", "Graceful close: request, reply, client closes first", setup_graceful_close },
};
const size_t catalog_count = sizeof catalog / sizeof catalog[0];

const struct catalog_entry *catalog_find(const char *id)
{
    for (size_t i = 0; i < catalog_count; i++)
        if (strcmp(catalog[i].id, id) == 0) return &catalog[i];
    return NULL;
}
