/* The scenario file reader (sim/scenario_parse.c against docs/scenario-format.md): a file using
 * every statement read field by field, the defaults, the repeat layout, rule names, flag
 * notation, and every class of bad input with its exact message (file:line:col: error: ...).
 * The bad inputs are the files in tests/bad/ (each one is listed here, and every file there
 * must be); the two that would be a megabyte in the repository are written at run time. Run
 * from the repository root, as `make test` does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "host.h"
#include "packet.h"
#include "proc.h"
#include "scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tcpsim-parse-XXXXXX";
static char err[1024];

static struct scenario *parse(const char *text)
{
    return scenario_parse("t.scn", text, strlen(text), err, sizeof err);
}

static struct scenario *parse_ok(const char *text)
{
    struct scenario *s = parse(text);
    if (!s) fail_msg("unexpected error: %s", err);
    return s;
}

static void assert_parse_error(const char *text, const char *expected)
{
    struct scenario *s = parse(text);
    if (s) {
        scenario_free(s);
        fail_msg("accepted, expected: %s", expected);
    }
    assert_string_equal(err, expected);
}

#define HEADER "id t\ntitle \"T\"\nhost client 10.0.0.1\nhost server 10.0.0.2\n"

/* ---- a file using every statement ---- */

static const char every_statement[] =
    "# every statement of the language\n"
    "id        every-statement\n"
    "title     \"Every statement\"\n"
    "summary   \"One of each.\"\n"
    "linux     \"What Linux does\"\n"
    "windows   \"What Windows does\"\n"
    "differs   \"tcp_slowtmr: 2 * TCP_MSL\"\n"
    "outcome   \"FIN each way, no RST\"\n"
    "explain   \"First paragraph.\"\n"
    "explain   \"Second: \\\"quoted\\\", a # that is no comment,\\ta tab.\"\n"
    "seed      42\n"
    "link      bandwidth 10mbit delay 2ms\n"
    "host      client 10.0.0.1\n"
    "host      server 10.0.0.2\n"
    "\n"
    "process server on server\n"
    "  socket     lst\n"
    "  setsockopt lst reuseaddr on\n"
    "  bind       lst 0.0.0.0:7000           -> 0\n"
    "  listen     lst\n"
    "  accept     lst conn                   -> 4\n"
    "  recv       conn 256 dontwait          -> -1 EAGAIN\n"
    "  recv       conn all                   -> 0\n"
    "  shutdown   conn wr\n"
    "  close      conn                       -> -1\n"
    "  listen     lst 16\n"
    "end\n"
    "\n"
    "process client on client at 10ms count 3 every 1s\n"
    "  signal     sigpipe ignore             -> 0\n"
    "  fdlimit    8\n"
    "  socket     s\n"
    "  nonblock   s\n"
    "  nonblock   s off\n"
    "  setsockopt s linger on 5\n"
    "  setsockopt s rcvtimeo 250ms\n"
    "  setsockopt s sndtimeo 2s\n"
    "  setsockopt s keepalive off\n"
    "  setsockopt s nodelay on\n"
    "  connect    s 10.0.0.2:7000            -> 0\n"
    "  repeat 2\n"
    "    send     s 100                      -> >0\n"
    "    repeat 3\n"
    "      sleep  1500us\n"
    "    end\n"
    "    send     s \"hi\\n\" nosignal dontwait -> 3\n"
    "  end\n"
    "  recv       s 10\n"
    "  exit       3\n"
    "end\n"
    "\n"
    "at 0     partition\n"
    "at 5ms   heal\n"
    "at 1s    kill client/client2 sigterm\n"
    "at 1s    kill server/server\n"
    "at 2s    crash server\n"
    "at 3s    reboot server\n"
    "at 4s    shutdown client grace 2s\n"
    "at 4s    shutdown server\n"
    "at 5s    link client>server drop all\n"
    "at 5s    link client>server drop nth 3\n"
    "at 5s    link server>client drop next F\n"
    "at 5s    link client<>server drop next SA count 2\n"
    "at 5s    link client>server drop chance 1/10\n"
    "at 5s    link client>server delay 20ms jitter 5ms\n"
    "at 5s    link server>client reorder 1/4 3ms\n"
    "at 5s    link server>client duplicate 1/2 0\n"
    "at 5s    link server>client bandwidth 1kbit\n"
    "at 6s    link client>server bandwidth unlimited\n"
    "at 1min  unreachable client>server host on\n"
    "at 1min  unreachable server>client net off\n"
    "\n"
    "expect segment client>server S\n"
    "expect segment server>client F. len 0 count 1\n"
    "expect no segment server>client R. len 0\n"
    "expect states client 10.0.0.1:*>10.0.0.2:7000 CLOSED SYN_SENT ESTABLISHED   # trailing\n"
    "expect process server/server exit 0\n"
    "expect process client/client1 killed sigpipe\n"
    "expect signal client/client3 sigterm handled\n"
    "expect received client/client2 s 31\n";

static void test_every_statement_metadata_and_world(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(every_statement);
    assert_string_equal(s->file, "t.scn");
    assert_string_equal(s->id, "every-statement");
    assert_string_equal(s->title, "Every statement");
    assert_string_equal(s->summary, "One of each.");
    assert_string_equal(s->linux_ref, "What Linux does");
    assert_string_equal(s->windows_ref, "What Windows does");
    assert_true(s->differs_from_linux);
    assert_string_equal(s->lwip_differs, "tcp_slowtmr: 2 * TCP_MSL");
    assert_string_equal(s->outcome, "FIN each way, no RST");
    assert_string_equal(s->explain, "First paragraph.\n\n"
                                    "Second: \"quoted\", a # that is no comment,\ta tab.");
    assert_int_equal(s->seed, 42);
    assert_int_equal(s->link.delay_us, 2000);
    assert_int_equal(s->link.bandwidth_bps, 10000000);
    assert_int_equal(s->host_count, 2);
    assert_string_equal(s->hosts[0].name, "client");
    assert_int_equal(s->hosts[0].ip, 0x0a000001);
    assert_int_equal(s->hosts[0].pos.line, 13);
    assert_int_equal(s->hosts[0].pos.col, 1);
    assert_ptr_equal(s->hosts[0].pos.file, s->file);
    assert_string_equal(s->hosts[1].name, "server");
    assert_int_equal(s->hosts[1].ip, 0x0a000002);
    scenario_free(s);
}

static void test_every_statement_server_steps(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(every_statement);
    assert_int_equal(s->proc_count, 2);
    const struct scenario_process *p = &s->procs[0];
    assert_string_equal(p->name, "server");
    assert_int_equal(p->host, 1);
    assert_int_equal(p->start_us, 0);
    assert_int_equal(p->count, 1);
    assert_int_equal(p->pos.line, 16);
    assert_int_equal(p->fd_name_count, 2);
    assert_string_equal(p->fd_names[0], "lst");
    assert_string_equal(p->fd_names[1], "conn");
    assert_int_equal(p->step_count, 10);
    const struct step *st = p->steps;
    assert_int_equal(st[0].kind, STEP_SOCKET);
    assert_int_equal(st[0].fd, 0);
    assert_int_equal(st[0].new_fd, 0);
    assert_false(st[0].expect.present);
    assert_int_equal(st[1].kind, STEP_SETSOCKOPT);
    assert_int_equal(st[1].opt.name, STACK_SO_REUSEADDR);
    assert_int_equal(st[1].opt.value, 1);
    assert_int_equal(st[2].kind, STEP_BIND);
    assert_int_equal(st[2].ip, 0);
    assert_int_equal(st[2].port, 7000);
    assert_true(st[2].expect.present);
    assert_int_equal(st[2].expect.ret, 0);
    assert_int_equal(st[2].expect.err, 0);
    assert_int_equal(st[2].expect.pos.line, 19);
    assert_int_equal(st[2].expect.pos.col, 41);
    assert_int_equal(st[3].kind, STEP_LISTEN);
    assert_int_equal(st[3].count, 8);                   /* the default backlog */
    assert_int_equal(st[4].kind, STEP_ACCEPT);
    assert_int_equal(st[4].fd, 0);
    assert_int_equal(st[4].new_fd, 1);
    assert_int_equal(st[4].expect.ret, 4);
    assert_int_equal(st[5].kind, STEP_RECV);
    assert_int_equal(st[5].fd, 1);
    assert_int_equal(st[5].count, 256);
    assert_int_equal(st[5].flags, STACK_MSG_DONTWAIT);
    assert_int_equal(st[5].expect.ret, -1);
    assert_int_equal(st[5].expect.err, EAGAIN);
    assert_int_equal(st[6].count, -1);                  /* recv all */
    assert_int_equal(st[6].flags, 0);
    assert_int_equal(st[7].kind, STEP_SHUTDOWN);
    assert_int_equal(st[7].how, 1);
    assert_int_equal(st[8].kind, STEP_CLOSE);
    assert_int_equal(st[8].expect.ret, -1);             /* -1 with any errno */
    assert_int_equal(st[8].expect.err, 0);
    assert_int_equal(st[9].count, 16);
    assert_int_equal(st[9].pos.line, 26);
    assert_int_equal(st[9].pos.col, 3);
    scenario_free(s);
}

static void test_every_statement_client_steps_and_repeat_layout(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(every_statement);
    const struct scenario_process *p = &s->procs[1];
    assert_string_equal(p->name, "client");
    assert_int_equal(p->host, 0);
    assert_int_equal(p->start_us, 10000);
    assert_int_equal(p->count, 3);
    assert_int_equal(p->every_us, 1000000);
    assert_int_equal(p->fd_name_count, 1);
    assert_int_equal(p->step_count, 18);
    const struct step *st = p->steps;
    assert_int_equal(st[0].kind, STEP_SIGNAL);
    assert_int_equal(st[0].signal, PROC_SIGPIPE);
    assert_int_equal(st[0].disposition, PROC_SIG_IGNORE);
    assert_int_equal(st[0].expect.ret, 0);
    assert_int_equal(st[0].fd, -1);
    assert_int_equal(st[1].kind, STEP_FDLIMIT);
    assert_int_equal(st[1].count, 8);
    assert_int_equal(st[3].kind, STEP_NONBLOCK);
    assert_true(st[3].on);
    assert_false(st[4].on);
    assert_int_equal(st[5].opt.name, STACK_SO_LINGER);
    assert_int_equal(st[5].opt.value, 1);
    assert_int_equal(st[5].opt.linger_s, 5);
    assert_int_equal(st[6].opt.name, STACK_SO_RCVTIMEO);
    assert_int_equal(st[6].opt.value, 250);
    assert_int_equal(st[7].opt.name, STACK_SO_SNDTIMEO);
    assert_int_equal(st[7].opt.value, 2000);
    assert_int_equal(st[8].opt.name, STACK_SO_KEEPALIVE);
    assert_int_equal(st[8].opt.value, 0);
    assert_int_equal(st[9].opt.name, STACK_TCP_NODELAY);
    assert_int_equal(st[10].kind, STEP_CONNECT);
    assert_int_equal(st[10].ip, 0x0a000002);
    assert_int_equal(st[10].port, 7000);
    /* repeat 2 { send; repeat 3 { sleep }; send }: flat, the body right after its REPEAT */
    assert_int_equal(st[11].kind, STEP_REPEAT);
    assert_int_equal(st[11].count, 2);
    assert_int_equal(st[11].body, 12);
    assert_int_equal(st[11].body_len, 4);
    assert_int_equal(st[12].kind, STEP_SEND);
    assert_int_equal(st[12].count, 100);
    assert_null(st[12].text);
    assert_true(st[12].expect.ret_positive);
    assert_int_equal(st[13].kind, STEP_REPEAT);
    assert_int_equal(st[13].count, 3);
    assert_int_equal(st[13].body, 14);
    assert_int_equal(st[13].body_len, 1);
    assert_int_equal(st[14].kind, STEP_SLEEP);
    assert_int_equal(st[14].time_us, 1500);
    assert_int_equal(st[15].kind, STEP_SEND);
    assert_string_equal(st[15].text, "hi\n");
    assert_int_equal(st[15].count, 3);
    assert_int_equal(st[15].flags, PROC_MSG_NOSIGNAL | STACK_MSG_DONTWAIT);
    assert_int_equal(st[15].expect.ret, 3);
    assert_int_equal(st[16].kind, STEP_RECV);
    assert_int_equal(st[17].kind, STEP_EXIT);
    assert_int_equal(st[17].count, 3);
    scenario_free(s);
}

static void test_every_statement_events(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(every_statement);
    assert_int_equal(s->event_count, 20);
    const struct scenario_event *e = s->events;
    assert_int_equal(e[0].kind, EVENT_PARTITION);
    assert_int_equal(e[0].at_us, 0);
    assert_int_equal(e[0].host, -1);
    assert_int_equal(e[1].kind, EVENT_HEAL);
    assert_int_equal(e[1].at_us, 5000);
    assert_int_equal(e[2].kind, EVENT_KILL);
    assert_int_equal(e[2].host, 0);
    assert_string_equal(e[2].proc, "client2");
    assert_int_equal(e[2].signal, PROC_SIGTERM);
    assert_int_equal(e[3].signal, PROC_SIGKILL);        /* the default */
    assert_int_equal(e[4].kind, EVENT_CRASH);
    assert_int_equal(e[4].host, 1);
    assert_int_equal(e[5].kind, EVENT_REBOOT);
    assert_int_equal(e[6].kind, EVENT_SHUTDOWN);
    assert_int_equal(e[6].grace_us, 2000000);
    assert_int_equal(e[7].grace_us, 5000000);           /* the default */
    assert_int_equal(e[8].kind, EVENT_LINK_RULE);
    assert_int_equal(e[8].rule.kind, LINK_DROP_ALL);
    assert_int_equal(e[8].rule.from, 0);
    assert_int_equal(e[8].rule.to, 1);
    assert_false(e[8].rule.both);
    assert_string_equal(e[8].rule.name, "drop-all");
    assert_int_equal(e[9].rule.kind, LINK_DROP_NTH);
    assert_int_equal(e[9].rule.nth, 3);
    assert_string_equal(e[9].rule.name, "drop-3rd");
    assert_int_equal(e[10].rule.kind, LINK_DROP_MATCH);
    assert_int_equal(e[10].rule.from, 1);
    assert_int_equal(e[10].rule.to, 0);
    assert_int_equal(e[10].rule.flags_all, TCP_FIN);
    assert_int_equal(e[10].rule.count, 1);
    assert_string_equal(e[10].rule.name, "drop-next-FIN");
    assert_true(e[11].rule.both);
    assert_int_equal(e[11].rule.flags_all, TCP_SYN | TCP_ACK);
    assert_int_equal(e[11].rule.count, 2);
    assert_string_equal(e[11].rule.name, "drop-next-SYN-ACK");
    assert_int_equal(e[12].rule.kind, LINK_DROP_CHANCE);
    assert_int_equal(e[12].rule.numerator, 1);
    assert_int_equal(e[12].rule.denominator, 10);
    assert_string_equal(e[12].rule.name, "drop-chance-1/10");
    assert_int_equal(e[13].rule.kind, LINK_DELAY);
    assert_int_equal(e[13].rule.delay_us, 20000);
    assert_int_equal(e[13].rule.jitter_us, 5000);
    assert_string_equal(e[13].rule.name, "delay-20ms-jitter-5ms");
    assert_int_equal(e[14].rule.kind, LINK_REORDER);
    assert_int_equal(e[14].rule.numerator, 1);
    assert_int_equal(e[14].rule.denominator, 4);
    assert_int_equal(e[14].rule.delay_us, 3000);
    assert_string_equal(e[14].rule.name, "reorder-1/4");
    assert_int_equal(e[15].rule.kind, LINK_DUPLICATE);
    assert_int_equal(e[15].rule.delay_us, 0);
    assert_string_equal(e[15].rule.name, "duplicate-1/2");
    assert_int_equal(e[16].kind, EVENT_BANDWIDTH);
    assert_int_equal(e[16].host, 1);
    assert_int_equal(e[16].peer, 0);
    assert_int_equal(e[16].bandwidth_bps, 1000);
    assert_int_equal(e[17].bandwidth_bps, 0);           /* unlimited */
    assert_int_equal(e[18].kind, EVENT_UNREACHABLE);
    assert_int_equal(e[18].at_us, 60000000);
    assert_int_equal(e[18].icmp_code, ICMP_HOST_UNREACHABLE);
    assert_true(e[18].on);
    assert_int_equal(e[19].icmp_code, ICMP_NET_UNREACHABLE);
    assert_false(e[19].on);
    assert_int_equal(e[19].pos.line, 71);
    assert_int_equal(e[19].pos.col, 1);
    scenario_free(s);
}

static void test_every_statement_expectations(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(every_statement);
    assert_int_equal(s->expect_count, 8);
    const struct scenario_expect *x = s->expects;
    assert_int_equal(x[0].kind, EXPECT_SEGMENT);
    assert_string_equal(x[0].text, "expect segment client>server S");
    assert_false(x[0].negated);
    assert_int_equal(x[0].host, 0);
    assert_int_equal(x[0].peer, 1);
    assert_int_equal(x[0].flags, TCP_SYN);
    assert_int_equal(x[0].len, -1);
    assert_int_equal(x[0].count, -1);
    assert_int_equal(x[0].pos.line, 73);
    assert_int_equal(x[1].flags, TCP_FIN | TCP_ACK);
    assert_int_equal(x[1].len, 0);
    assert_int_equal(x[1].count, 1);
    assert_true(x[2].negated);
    assert_int_equal(x[2].flags, TCP_RST | TCP_ACK);
    assert_int_equal(x[2].count, -1);
    assert_int_equal(x[3].kind, EXPECT_STATES);
    assert_string_equal(x[3].text,
                        "expect states client 10.0.0.1:*>10.0.0.2:7000 CLOSED SYN_SENT "
                        "ESTABLISHED");
    assert_int_equal(x[3].host, 0);
    assert_string_equal(x[3].conn, "10.0.0.1:*>10.0.0.2:7000");
    assert_int_equal(x[3].state_count, 3);
    assert_int_equal(x[3].states[0], STACK_CLOSED);
    assert_int_equal(x[3].states[1], STACK_SYN_SENT);
    assert_int_equal(x[3].states[2], STACK_ESTABLISHED);
    assert_int_equal(x[4].kind, EXPECT_PROCESS);
    assert_int_equal(x[4].host, 1);
    assert_string_equal(x[4].proc, "server");
    assert_false(x[4].killed);
    assert_int_equal(x[4].count, 0);
    assert_true(x[5].killed);
    assert_string_equal(x[5].proc, "client1");
    assert_int_equal(x[5].signal, PROC_SIGPIPE);
    assert_int_equal(x[6].kind, EXPECT_SIGNAL);
    assert_string_equal(x[6].proc, "client3");
    assert_int_equal(x[6].signal, PROC_SIGTERM);
    assert_string_equal(x[6].action, "handled");
    assert_int_equal(x[7].kind, EXPECT_RECEIVED);
    assert_string_equal(x[7].proc, "client2");
    assert_string_equal(x[7].fd_name, "s");
    assert_int_equal(x[7].count, 31);
    scenario_free(s);
}

/* ---- defaults and smaller good inputs ---- */

static void test_defaults(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("id d\ntitle \"D\"\nhost a 10.0.0.1\n"
                                  "process p on a\n socket l\n listen l\nend\n"
                                  "at 1s shutdown a\n");
    struct link_config def = link_config_default();
    assert_int_equal(s->seed, 1);
    assert_int_equal(s->link.delay_us, def.delay_us);
    assert_int_equal(s->link.bandwidth_bps, def.bandwidth_bps);
    assert_false(s->differs_from_linux);
    assert_null(s->summary);
    assert_null(s->lwip_differs);
    assert_null(s->outcome);
    assert_null(s->explain);
    assert_int_equal(s->procs[0].start_us, 0);
    assert_int_equal(s->procs[0].count, 1);
    assert_int_equal(s->procs[0].every_us, 0);
    assert_int_equal(s->procs[0].steps[1].count, 8);
    assert_int_equal(s->events[0].grace_us, 5000000);
    assert_int_equal(s->event_count, 1);
    assert_int_equal(s->expect_count, 0);
    scenario_free(s);
}

static void test_differs_no(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("id d\ntitle \"D\"\ndiffers no\n");
    assert_false(s->differs_from_linux);
    assert_null(s->lwip_differs);
    scenario_free(s);
}

static void test_crlf_tabs_and_comments(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("# comment\r\n\r\nid\tcrlf # trailing\r\ntitle \"a # b\"\r\n"
                                  "host\ta\t10.0.0.1\r\n   # indented comment\r\n");
    assert_string_equal(s->id, "crlf");
    assert_string_equal(s->title, "a # b");
    assert_int_equal(s->hosts[0].pos.line, 5);
    scenario_free(s);
}

static void test_fd_names_are_reused_and_per_process(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER "process a on client\n"
                                  " repeat 3\n  socket c\n  close c\n end\n socket c\nend\n"
                                  "process b on server\n socket c\n socket d\n accept c c\nend\n");
    assert_int_equal(s->procs[0].fd_name_count, 1);
    assert_int_equal(s->procs[0].steps[4].fd, 0);
    assert_int_equal(s->procs[1].fd_name_count, 2);
    assert_int_equal(s->procs[1].steps[2].fd, 0);
    assert_int_equal(s->procs[1].steps[2].new_fd, 0);
    scenario_free(s);
    assert_parse_error(HEADER "process a on client\n socket c\nend\n"
                              "process b on server\n close c\nend\n",
                       "t.scn:9:8: error: fd 'c' is not defined in process 'b', expected an fd "
                       "named by an earlier socket or accept");
}

static void test_every_errno_name_maps_to_the_linux_number(void **state)
{
    (void)state;
    static const struct { const char *name; int num; } names[] = {
        { "EPERM", EPERM }, { "EINTR", EINTR }, { "EIO", EIO }, { "EBADF", EBADF },
        { "EAGAIN", EAGAIN }, { "EWOULDBLOCK", EAGAIN }, { "ENOMEM", ENOMEM },
        { "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE }, { "EPIPE", EPIPE },
        { "ENOBUFS", ENOBUFS }, { "EISCONN", EISCONN }, { "ENOTCONN", ENOTCONN },
        { "EADDRINUSE", EADDRINUSE }, { "EADDRNOTAVAIL", EADDRNOTAVAIL },
        { "ENETUNREACH", ENETUNREACH }, { "EHOSTUNREACH", EHOSTUNREACH },
        { "ECONNABORTED", ECONNABORTED }, { "ECONNRESET", ECONNRESET },
        { "ECONNREFUSED", ECONNREFUSED }, { "ETIMEDOUT", ETIMEDOUT },
        { "EINPROGRESS", EINPROGRESS }, { "EALREADY", EALREADY }, { "ENOTSOCK", ENOTSOCK },
        { "EOPNOTSUPP", EOPNOTSUPP }, { "EPROTO", EPROTO }, { "EMSGSIZE", EMSGSIZE },
        { "ENOPROTOOPT", ENOPROTOOPT }, { "ESHUTDOWN", ESHUTDOWN },
    };
    assert_int_equal(ECONNRESET, 104);      /* Linux numbering */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, HEADER "process a on client\n socket s -> -1 %s\nend\n",
                 names[i].name);
        struct scenario *s = parse_ok(text);
        assert_int_equal(s->procs[0].steps[0].expect.err, names[i].num);
        scenario_free(s);
    }
}

static void test_segment_flags_round_trip_the_timeline_notation(void **state)
{
    (void)state;
    for (unsigned f = 1; f < 64; f++) {
        char flags[8], text[256];
        packet_flags_str((uint8_t)f, flags);
        snprintf(text, sizeof text, HEADER "expect segment client>server %s\n", flags);
        struct scenario *s = parse_ok(text);
        assert_int_equal(s->expects[0].flags, f);
        scenario_free(s);
    }
}

static void test_drop_next_flag_letters_in_any_order(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER "at 1s link client>server drop next AS\n"
                                  "at 1s link client>server drop next SFRPUA count 5\n");
    assert_int_equal(s->events[0].rule.flags_all, TCP_SYN | TCP_ACK);
    assert_string_equal(s->events[0].rule.name, "drop-next-SYN-ACK");
    assert_int_equal(s->events[1].rule.flags_all, 0x3f);
    assert_int_equal(s->events[1].rule.count, 5);
    assert_string_equal(s->events[1].rule.name, "drop-next-SFRPUA");   /* the long one won't fit */
    scenario_free(s);
    assert_parse_error(HEADER "at 1s link client>server drop next FF\n",
                       "t.scn:5:37: error: flag 'F' twice in 'FF', expected each letter once");
    assert_parse_error(HEADER "at 1s link client>server drop next Fx\n",
                       "t.scn:5:37: error: 'x' is not a flag letter, expected TCP flags as letters "
                       "of S F R P U A (A = ACK), e.g. F or SA");
}

static void test_drop_nth_names_say_the_ordinal(void **state)
{
    (void)state;
    static const struct { unsigned n; const char *name; } cases[] = {
        { 1, "drop-1st" }, { 2, "drop-2nd" }, { 3, "drop-3rd" }, { 4, "drop-4th" },
        { 11, "drop-11th" }, { 12, "drop-12th" }, { 13, "drop-13th" }, { 21, "drop-21st" },
        { 102, "drop-102nd" }, { 111, "drop-111th" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, HEADER "at 1s link client>server drop nth %u\n", cases[i].n);
        struct scenario *s = parse_ok(text);
        assert_int_equal(s->events[0].rule.nth, cases[i].n);
        assert_string_equal(s->events[0].rule.name, cases[i].name);
        scenario_free(s);
    }
}

static void test_times_and_rates_with_every_unit(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER "link delay 0 bandwidth 2gbit\n"
                                  "process a on client at 2min\n sleep 7us\n sleep 7ms\n sleep 7s\n"
                                  " sleep 0s\nend\n"
                                  "at 1s link client>server bandwidth 3bit\n"
                                  "at 1s link client>server bandwidth 3kbit\n"
                                  "at 1s link client>server bandwidth 3mbit\n"
                                  "at 1s link client>server delay 1ms\n");
    assert_int_equal(s->link.delay_us, 0);
    assert_int_equal(s->link.bandwidth_bps, 2000000000);
    assert_int_equal(s->procs[0].start_us, 120000000);
    assert_int_equal(s->procs[0].steps[0].time_us, 7);
    assert_int_equal(s->procs[0].steps[1].time_us, 7000);
    assert_int_equal(s->procs[0].steps[2].time_us, 7000000);
    assert_int_equal(s->procs[0].steps[3].time_us, 0);
    assert_int_equal(s->events[0].bandwidth_bps, 3);
    assert_int_equal(s->events[1].bandwidth_bps, 3000);
    assert_int_equal(s->events[2].bandwidth_bps, 3000000);
    assert_string_equal(s->events[3].rule.name, "delay-1ms");
    scenario_free(s);
}

/* Found by make fuzz: the harness wrongly expected "expect " with a space. */
static void test_expectation_text_is_the_source_as_written(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER "expect\tsegment  client>server S count 0    #\n");
    assert_string_equal(s->expects[0].text, "expect\tsegment  client>server S count 0");
    assert_int_equal(s->expects[0].count, 0);
    assert_int_equal(s->expects[0].pos.col, 1);
    scenario_free(s);
    assert_parse_error(HEADER "expect no segment client>server \"R\"\n",
                       "t.scn:5:33: error: found '\"R\"', expected flags as in the timeline: "
                       "letters of S F R P U in that order, then '.' for ACK (S, S., ., P., F., "
                       "FP., R, R.)");
}

static void test_events_at_the_same_time_keep_file_order(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER "at 1s partition\nat 1000ms heal\nat 1s crash client\n");
    assert_int_equal(s->events[0].kind, EVENT_PARTITION);
    assert_int_equal(s->events[1].kind, EVENT_HEAL);
    assert_int_equal(s->events[2].kind, EVENT_CRASH);
    scenario_free(s);
}

static void test_a_line_of_exactly_4096_bytes_is_accepted(void **state)
{
    (void)state;
    char text[4200] = "id x\ntitle \"t\"\n#";
    size_t n = strlen(text);
    memset(text + n, 'c', 4095);
    text[n + 4095] = '\n';
    text[n + 4096] = '\0';
    scenario_free(parse_ok(text));
    text[n + 4095] = 'c';   /* one byte more, and no newline */
    text[n + 4096] = '\0';
    assert_parse_error(text, "t.scn:3:4097: error: line of 4097 bytes, expected at most 4096 "
                             "bytes per line");
}

static void test_utf8_text_is_accepted(void **state)
{
    (void)state;
    struct scenario *s = parse_ok("id u\ntitle \"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80\"\n");
    assert_string_equal(s->title, "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
    scenario_free(s);
    assert_parse_error("id u\ntitle \"\xed\xa0\x80\"\n",     /* a UTF-16 surrogate */
                       "t.scn:2:8: error: byte \\xed that is not UTF-8, expected UTF-8 or ASCII "
                       "text");
}

/* ---- errors from scenario_parse itself ---- */

static void test_error_buffer_small_or_absent(void **state)
{
    (void)state;
    char small[12];
    memset(small, 'x', sizeof small);
    assert_null(scenario_parse("f.scn", "sned", 4, small, sizeof small));
    assert_string_equal(small, "f.scn:1:1: ");
    assert_null(scenario_parse("f.scn", "sned", 4, NULL, 0));
    assert_null(scenario_parse(NULL, "sned", 4, err, sizeof err));
    assert_string_equal(err, "<input>:1:1: error: unknown statement 'sned', expected one of: id "
                             "title summary linux windows differs outcome explain seed link host "
                             "process at expect");
}

static void test_text_without_a_final_newline_or_nul(void **state)
{
    (void)state;
    const char text[] = "id x\ntitle \"t\"garbage-after-the-length";
    struct scenario *s = scenario_parse("t.scn", text, 14, err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_string_equal(s->title, "t");
    scenario_free(s);
}

static void test_wrong_number_of_arguments(void **state)
{
    (void)state;
    assert_parse_error(HEADER "process a on client\n socket\nend\n",
                       "t.scn:6:8: error: end of line, expected an fd name");
    assert_parse_error(HEADER "process a on client\n socket s\n close s s\nend\n",
                       "t.scn:7:10: error: unexpected 's', expected end of line or '-> <result>'");
    assert_parse_error(HEADER "process a on client\n socket s ->\nend\n",
                       "t.scn:6:13: error: end of line, expected a result: a number "
                       "0..16777216, >0, -1 with an errno name, a quoted text (recv) or an "
                       "errno name (getsockopt error)");
    assert_parse_error(HEADER "process a on client\n repeat 2 -> 0\n end\nend\n",
                       "t.scn:6:11: error: '->' after 'repeat', expected end of line (repeat has "
                       "no result)");
    assert_parse_error("id x\ntitle\n", "t.scn:2:6: error: end of line, expected a quoted string "
                                        "(the title)");
    assert_parse_error("id x\ntitle plain\n", "t.scn:2:7: error: found 'plain', expected a quoted "
                                              "string (the title)");
}

static void test_more_value_errors(void **state)
{
    (void)state;
    assert_parse_error(HEADER "process a on client\n socket s\n"
                              " setsockopt s rcvtimeo 1500us\nend\n",
                       "t.scn:7:24: error: '1500us' is not a whole number of milliseconds, "
                       "expected a timeout in ms precision");
    assert_parse_error(HEADER "process a on client\n signal sigkill ignore\nend\n",
                       "t.scn:6:9: error: found 'sigkill', expected sigpipe or sigterm");
    assert_parse_error(HEADER "at 1s link client>client drop all\n",
                       "t.scn:5:12: error: 'client>client' goes from a host to itself, expected "
                       "two different hosts");
    assert_parse_error(HEADER "at 1s link client>server reorder 1/2 0\n",
                       "t.scn:5:38: error: a hold-back of 0, expected at least 1us (how long a "
                       "packet is held back)");
    assert_parse_error(HEADER "at 1s link client>server delay 2h\n",
                       "t.scn:5:32: error: '2h' is out of range, expected a time like 20ms (us, "
                       "ms, s, min or h; at most 1 hour)");
    assert_parse_error(HEADER "at 1s link client>server delay 61min\n",
                       "t.scn:5:32: error: '61min' is out of range, expected a time like 20ms "
                       "(us, ms, s, min or h; at most 1 hour)");
    assert_parse_error(HEADER "link bandwidth 100\n",
                       "t.scn:5:16: error: '100' has no unit, expected a rate like 100mbit (bit, "
                       "kbit, mbit or gbit per second) or unlimited");
    assert_parse_error(HEADER "link bandwidth 0mbit\n",
                       "t.scn:5:16: error: '0mbit' is zero, expected a rate like 100mbit (bit, "
                       "kbit, mbit or gbit per second) or unlimited");
    assert_parse_error(HEADER "link bandwidth 99999999999gbit\n",
                       "t.scn:5:16: error: '99999999999gbit' is too large (overflow), expected a "
                       "rate like 100mbit (bit, kbit, mbit or gbit per second) or unlimited");
    assert_parse_error(HEADER "process a on client at 99999999999999min\nend\n",
                       "t.scn:5:24: error: '99999999999999min' is too large (overflow), expected a "
                       "time like 250ms (us, ms, s, min or h; at most 24 hours)");
    assert_parse_error(HEADER "process a on client count 2\nend\n",
                       "t.scn:5:28: error: end of line, expected 'every'");
    assert_parse_error(HEADER "process abcdefghijklmnopqrstuvwxyz012345 on client\nend\n",
                       "t.scn:5:9: error: 'abcdefghijklmnopqrstuvwxyz012345' is not a valid "
                       "process name, expected [a-z][a-z0-9_-]*, at most 31 characters");
    assert_parse_error(HEADER "process abcdefghijklmnopqrstuvwxyz0123 on client count 10 every 1s\n"
                              "end\n",
                       "t.scn:5:9: error: process 'abcdefghijklmnopqrstuvwxyz0123' with 10 copies "
                       "makes names longer than 31 characters, expected a shorter name");
    assert_parse_error(HEADER "expect no segment client>server R count 1\n",
                       "t.scn:5:35: error: 'count' after 'expect no', expected len, delivered, dropped or end of line");
    assert_parse_error(HEADER "expect states client *\n",
                       "t.scn:5:23: error: end of line, expected a TCP state: CLOSED LISTEN "
                       "SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING "
                       "LAST_ACK TIME_WAIT");
    assert_parse_error(HEADER "seed 1\nseed 2\n",
                       "t.scn:6:1: error: duplicate 'seed' (first at line 5), expected one seed");
}

static void test_process_copy_names_clash_exactly_when_they_share_a_name(void **state)
{
    (void)state;
    /* w1..w10 and w11..w15 share nothing; w1..w11 and w11..w15 share w11 */
    scenario_free(parse_ok(HEADER "process w on client count 10 every 0\nend\n"
                                  "process w1 on client count 5 every 0\nend\n"
                                  "process w on server\nend\n"));
    assert_parse_error(HEADER "process w on client count 11 every 0\nend\n"
                              "process w1 on client count 5 every 0\nend\n",
                       "t.scn:7:9: error: process 'w1' (w11..w15) clashes with process 'w' "
                       "(w1..w11) of line 5 on host 'client', expected distinct process names");
    assert_parse_error(HEADER "process w on client count 2 every 0\nend\n"
                              "process w on client count 2 every 0\nend\n",
                       "t.scn:7:9: error: process 'w' (w1..w2) clashes with process 'w' (w1..w2) "
                       "of line 5 on host 'client', expected distinct process names");
}

/* ---- scenario language 2: matching, time, new steps, inject ---- */

static void test_time_and_matching_expectations(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER
        "process client on client\n socket s\nend\n"
        "expect state client client:s TIME_WAIT from FIN_WAIT_2 cause \"rcv FIN / snd ACK\" lasts 2h\n"
        "expect segment server>client F. after client>server F. len 0 within 2ms\n"
        "expect no segment client>server . win 0 seq 1..100 conn 10.0.0.1:*>*\n"
        "expect segment client>server S nth 3 at 5760ms\n"
        "expect call client/client connect errno ECONNABORTED lasts 18250ms\n"
        "expect event pool host server pool NETCONN refused 1..5 count 2\n");
    const struct scenario_expect *x = s->expects;
    assert_int_equal(s->expect_count, 6);
    assert_int_equal(x[0].kind, EXPECT_STATE);
    assert_string_equal(x[0].m.fd_proc, "client");
    assert_string_equal(x[0].m.fd_name, "s");
    assert_int_equal(x[0].m.state, STACK_TIME_WAIT);
    assert_int_equal(x[0].m.from_state, STACK_FIN_WAIT_2);
    assert_string_equal(x[0].m.cause, "rcv FIN / snd ACK");
    assert_true(x[0].when.has_lasts);
    assert_int_equal(x[0].when.lasts_us, UINT64_C(7200000000));
    assert_int_equal(x[1].when.order, 2);                  /* after the reference ... */
    assert_true(x[1].when.ref.len.set);                    /* ... whose own filter len 0 is */
    assert_false(x[1].m.len.set);                          /* not the subject's */
    assert_int_equal(x[1].when.within_us, 2000);
    assert_true(x[2].negated);
    assert_int_equal(x[2].m.seq.lo, 1);
    assert_int_equal(x[2].m.seq.hi, 100);
    assert_int_equal(x[2].m.win.hi, 0);
    assert_string_equal(x[2].m.conn, "10.0.0.1:*>*");
    assert_int_equal(x[3].quant, QUANT_NTH);
    assert_int_equal(x[3].nth, 3);
    assert_int_equal(x[3].when.at_us, 5760000);
    assert_string_equal(x[4].m.call, "connect");
    assert_int_equal(x[4].m.ret.lo, -1);
    assert_int_equal(x[4].m.err, ECONNABORTED);
    assert_int_equal(x[5].kind, EXPECT_EVENT);
    assert_int_equal(x[5].host, -1);
    assert_string_equal(x[5].m.type, "pool");
    assert_int_equal(x[5].m.field_count, 3);
    assert_string_equal(x[5].m.fields[1].text, "NETCONN");
    assert_int_equal(x[5].m.fields[2].range.hi, 5);
    assert_int_equal(x[5].count, 2);
    scenario_free(s);
}

static void test_new_steps_and_inject(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER
        "process client on client\n socket s\n poll s inout 1h -> 0\n getsockopt s error -> "
        "ECONNRESET\n recv s 10 -> \"OK\\r\"\n accept s\nend\n"
        "at 1s link client<>server drop all\n"
        "at 2s link client<>server remove drop-all\n"
        "at 3s inject server>client R. conn client:s seq 33 mss 1460 options 01010101 payload \"x\"\n");
    const struct step *st = s->procs[0].steps;
    assert_int_equal(st[1].kind, STEP_POLL);
    assert_int_equal(st[1].time_us, UINT64_C(3600000000));
    assert_int_equal(st[2].expect.ret, ECONNRESET);
    assert_string_equal(st[3].expect.text, "OK\r");
    assert_int_equal(st[4].new_fd, -1);
    const struct scenario_event *e = s->events;
    assert_int_equal(e[1].kind, EVENT_LINK_REMOVE);
    assert_string_equal(e[1].rule.name, "drop-all");
    assert_int_equal(e[2].kind, EVENT_INJECT);
    assert_int_equal(e[2].inject.flags, TCP_RST | TCP_ACK);
    assert_int_equal(e[2].inject.seq, 33);
    assert_int_equal(e[2].inject.options_len, 8);
    assert_int_equal(e[2].inject.options[3], 1460 & 0xff);
    assert_int_equal(e[2].inject.payload_len, 1);
    scenario_free(s);
}

static void test_inject_from_third_address(void **state)
{
    (void)state;
    struct scenario *s = parse_ok(HEADER
        "process client on client\n socket s\nend\n"
        "at 1s inject 10.0.0.9>server S ports 5000>8400 seq 7\n"
        "at 2s inject 10.0.0.9>client R. conn client:s seq 1\n");
    const struct scenario_event *e = s->events;
    assert_int_equal(e[0].host, -1);
    assert_int_equal(e[0].peer, 1);
    assert_int_equal(e[0].inject.src_ip, 0x0a000009u);
    assert_int_equal(e[0].inject.dst_port, 8400);
    assert_int_equal(e[1].peer, 0);
    assert_string_equal(e[1].inject.fd_proc, "client");     /* one of b's processes */
    assert_int_equal(e[1].inject.fd_host, 0);
    scenario_free(s);
}

/* ---- the documentation: every keyword the parser knows is in docs/scenario-format.md ---- */

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = calloc(1, 1 << 20);
    assert_non_null(text);
    fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    return text;
}

/* Whether word occurs in text with no letter, digit, '_' or '-' on either side. */
static bool has_word(const char *text, const char *word, size_t len)
{
    for (const char *at = text; (at = strstr(at, word)) != NULL; at++) {
        char before = at == text ? ' ' : at[-1], after = at[len];
        if (!isalnum((unsigned char)before) && before != '_' && before != '-' &&
            !isalnum((unsigned char)after) && after != '_')
            return true;
    }
    return false;
}

/* The keyword tables are the parser's `static const char *const <name>[...] = { "...", ... }`
 * arrays: every string in them (statements, steps, events, options, quantifiers, states, ...)
 * must appear in the format's documentation. */
static void test_every_keyword_of_the_parser_is_documented(void **state)
{
    (void)state;
    char *src = read_whole("sim/scenario_parse.c"), *doc = read_whole("docs/scenario-format.md");
    size_t checked = 0;
    for (char *t = src; (t = strstr(t, "static const char *const ")) != NULL; t++) {
        char *open = strstr(t, "] = {"), *end = open ? strstr(open, "};") : NULL;
        if (!open || !end || memchr(t, ';', (size_t)(open - t))) continue;
        for (char *q = open; (q = memchr(q, '"', (size_t)(end - q))) != NULL;) {
            char *close = strchr(q + 1, '"');
            char word[64];
            size_t len = (size_t)(close - q - 1);
            assert_true(len < sizeof word);
            memcpy(word, q + 1, len);
            word[len] = '\0';
            if (!has_word(doc, word, len)) fail_msg("keyword '%s' is not in docs/scenario-format.md", word);
            checked++;
            q = close + 1;
        }
    }
    assert_true(checked > 100);
    free(src);
    free(doc);
}

/* ---- bad inputs: every file of tests/bad with its exact message ---- */

struct bad_case {
    const char *file;
    const char *message;    /* after "tests/bad/<file>:" */
};

static const struct bad_case bad_cases[] = {
    { "inject-third-address-off-subnet.scn",
      "10:14: error: '10.1.0.9' is not an address a peer can have on server's "
      "subnet 10.0.0.0/24, expected one of .1 to .253 that no host owns" },
    { "inject-third-address-malformed.scn",
      "10:14: error: found '10.0.0.300', expected a host name or an address "
      "no host owns, like 10.0.0.9" },
    { "inject-third-address-of-a-host.scn",
      "10:14: error: '10.0.0.1' is the address of host 'client', expected its "
      "name (client>server) or an address no host owns" },
    { "inject-third-address-broadcast.scn",
      "10:14: error: '10.0.0.255' is not an address a peer can have on "
      "server's subnet 10.0.0.0/24, expected one of .1 to .253 that no host "
      "owns" },
    { "inject-third-address-to-address.scn",
      "10:23: error: unknown host '10.0.0.2', expected a host declared "
      "earlier with 'host'" },
    { "host-takes-inject-address.scn",
      "7:13: error: address 10.0.0.9 is an inject's third address (line 6), "
      "expected an address no inject uses" },
    { "poll-bad-events.scn",
      "8:10: error: found 'err', expected in, out or inout" },
    { "getsockopt-unknown-option.scn",
      "8:16: error: found 'rcvbuf', expected 'error'" },
    { "recv-text-on-send.scn",
      "8:18: error: a text after 'send ... ->', expected a number (only recv "
      "expects a text)" },
    { "remove-unknown-rule.scn",
      "10:33: error: no rule 'drop-everything' on this direction, expected "
      "the name of a rule added earlier on this direction (as the timeline "
      "names it, e.g. drop-all)" },
    { "time-over-a-day.scn",
      "10:4: error: '25h' is out of range, expected a time like 250ms (us, "
      "ms, s, min or h; at most 24 hours)" },
    { "nth-zero.scn",
      "10:36: error: '0' is out of range, expected a match number "
      "1..1000000000" },
    { "inject-without-connection.scn",
      "9:35: error: end of line, expected conn <process>:<fd> or ports "
      "<src>><dst> (the connection the segment belongs to)" },
    { "inject-pattern-connection.scn",
      "9:35: error: '10.0.0.1:*>*' is a pattern, expected <process>:<fd> (a "
      "live connection)" },
    { "inject-options-not-aligned.scn",
      "9:48: error: '020405' has 6 hex digits, expected option bytes in "
      "lower-case hex, a multiple of 4 bytes (e.g. 01010402)" },
    { "lasts-on-segment.scn", "9:32: error: 'lasts' here, expected it on a state or a call (only they "
      "have a duration)" },
    { "empty-range.scn", "9:36: error: '10..5' is an empty range, expected a number "
      "0..4294967295 or a range like 1..100 with low <= high" },
    { "conn-unknown-fd.scn", "9:28: error: fd 't' is not defined in process 'client', expected an fd "
      "named by its socket or accept steps" },
    { "two-references.scn", "9:56: error: a second event to order against, expected one reference "
      "event (before or after)" },
    { "quantifier-with-no.scn", "9:35: error: 'all' here, expected one of first, nth, last, all, and "
      "none of them with 'no' or 'count'" },
    { "filter-after-condition.scn", "9:38: error: filter 'len' after 'at', expected the "
      "filters right after "
      "what they narrow" },
    { "unknown-call.scn", "9:27: error: found 'sendto', expected a call: socket bind listen "
      "accept connect send recv shutdown close setsockopt fcntl poll getsockopt" },
    { "event-field-without-value.scn", "9:23: error: end of line, expected a value for 'host'" },
    { "count-with-quantifier.scn", "9:38: error: 'count' here, expected it once, without 'no' or a "
      "quantifier" },
    { "unknown-step.scn", "8:3: error: unknown step 'sned', expected one of: socket bind listen "
      "accept connect send recv shutdown close setsockopt nonblock signal fdlimit sleep exit "
      "repeat poll getsockopt end" },
    { "wrong-argument-type.scn", "8:12: error: 'lots' is not a number, expected a byte count "
      "0..16777216 or a quoted text" },
    { "undefined-fd.scn", "9:11: error: fd 'conn' is not defined in process 'client', expected "
      "an fd named by an earlier socket or accept" },
    { "duplicate-id.scn", "4:1: error: duplicate 'id' (first at line 2), expected each metadata "
      "key once" },
    { "duplicate-host.scn", "6:7: error: duplicate host 'client' (first at line 4), expected a "
      "new host name" },
    { "duplicate-address.scn", "6:13: error: duplicate address 10.0.0.2 (host 'server', line 5), "
      "expected a different address" },
    { "duplicate-process.scn", "8:9: error: duplicate process 'app' on host 'client' (first at "
      "line 6), expected a new process name" },
    { "process-copies-clash.scn", "8:9: error: process 'worker2' clashes with process 'worker' "
      "(worker1..worker3) of line 6 on host 'client', expected distinct process names" },
    { "time-goes-backwards.scn", "7:4: error: time goes backwards: 1s after 2s, expected 2s or "
      "later" },
    { "unknown-host.scn", "6:16: error: unknown host 'srv', expected a host declared earlier with "
      "'host'" },
    { "bad-address.scn", "6:13: error: '10.0.0.300' is not an IPv4 address, expected a dotted "
      "quad like 10.0.0.2" },
    { "router-address.scn", "6:13: error: '10.0.0.254' cannot be a host's address, expected a "
      "unicast address other than 10.0.0.254 (the router)" },
    { "bad-port.scn", "8:22: error: '70000' is out of range, expected a port 1..65535" },
    { "bad-time-unit.scn", "6:30: error: unknown time unit 'd' in '2d', expected us, ms, s, min "
      "or h" },
    { "time-without-unit.scn", "7:9: error: '250' has no unit, expected a time like 250ms (us, "
      "ms, s, min or h; at most 24 hours)" },
    { "number-overflow.scn", "6:7: error: '18446744073709551616' is too large (overflow), "
      "expected a seed 0..18446744073709551615" },
    { "trailing-garbage.scn", "8:12: error: '12x' is not a number, expected a byte count "
      "0..16777216 or a quoted text" },
    { "negative-number.scn", "8:14: error: '-1' is negative, expected a backlog 0..4096" },
    { "unterminated-string.scn", "8:12: error: unterminated string, expected a closing '\"' on "
      "the same line" },
    { "bad-escape.scn", "8:16: error: unknown escape '\\x' in a string, expected \\\" \\\\ \\n "
      "\\r or \\t" },
    { "missing-end.scn", "10:1: error: 'process' inside process 'client' (line 6), expected a "
      "step or 'end'" },
    { "missing-end-at-eof.scn", "6:1: error: process 'client' is never closed, expected 'end' "
      "before the end of the file" },
    { "missing-repeat-end.scn", "7:3: error: 'repeat' is never closed, expected 'end' before the "
      "end of the file" },
    { "end-without-block.scn", "9:1: error: 'end' without an open process or repeat, expected "
      "one of: id title summary linux windows differs outcome explain seed link host process at "
      "expect" },
    { "empty-repeat.scn", "8:3: error: 'end' of an empty repeat (line 7), expected at least one "
      "step between 'repeat' and 'end'" },
    { "repeat-too-deep.scn", "23:18: error: repeat nested 17 deep, expected at most 16 levels" },
    { "missing-id.scn", "1:1: error: no 'id' line, expected metadata 'id <name>' (e.g. id "
      "graceful-close)" },
    { "missing-title.scn", "1:1: error: no 'title' line, expected metadata 'title \"...\"'" },
    { "bad-id-path.scn", "2:7: error: id '../evil' has characters outside [a-z0-9-], expected "
      "an id of lower-case letters, digits and '-' (it names an output folder)" },
    { "bad-id-upper.scn", "2:7: error: id 'Upper' has characters outside [a-z0-9-], expected an "
      "id of lower-case letters, digits and '-' (it names an output folder)" },
    { "id-too-long.scn", "2:7: error: id of 64 characters, expected at most 63" },
    { "bad-name.scn", "6:7: error: 'Third' is not a valid host name, expected [a-z][a-z0-9_-]*, "
      "at most 31 characters" },
    { "too-many-hosts.scn", "20:1: error: a host too many, expected at most 16 hosts" },
    { "drop-chance-zero-denominator.scn", "6:38: error: '1/0' divides by zero, expected a "
      "probability n/d like 1/10 (d 1..1000000000, n <= d)" },
    { "drop-chance-over-one.scn", "6:38: error: '3/2' is more than 1, expected a probability n/d "
      "like 1/10 (d 1..1000000000, n <= d)" },
    { "bandwidth-both-ways.scn", "6:12: error: 'client<>server' goes both ways, expected one "
      "direction like client>server (bandwidth is set per direction)" },
    { "bad-errno.scn", "8:33: error: unknown errno 'ECONNRESETT', expected a Linux errno name "
      "like ECONNRESET or EPIPE" },
    { "errno-without-minus-one.scn", "8:32: error: unexpected 'ECONNREFUSED' after the result 0, "
      "expected end of line (only -1 comes with an errno)" },
    { "bad-segment-flags.scn", "6:30: error: found '.S', expected flags as in the timeline: "
      "letters of S F R P U in that order, then '.' for ACK (S, S., ., P., F., FP., R, R.)" },
    { "kill-unknown-process.scn", "6:19: error: process 'nobody' is not declared on host "
      "'client', expected a process declared earlier with 'process nobody on client'" },
    { "received-unknown-fd.scn", "9:31: error: fd 'conn' is not defined in process 'client', "
      "expected an fd named by its socket or accept steps" },
    { "unknown-statement.scn", "6:1: error: unknown statement 'hots', expected one of: id title "
      "summary linux windows differs outcome explain seed link host process at expect" },
    { "metadata-after-world.scn", "6:1: error: metadata 'summary' after the world (line 4), "
      "expected the metadata first" },
    { "binary-nul.scn", "3:13: error: NUL byte (a binary file), expected UTF-8 or ASCII text" },
    { "empty.scn", "1:1: error: empty file, expected a scenario (id, title, hosts, ...)" },
    { "control-character.scn", "3:20: error: control character \\x1b, expected text (words "
      "separated by spaces or tabs)" },
    { "invalid-utf8.scn", "3:24: error: byte \\xe9 that is not UTF-8, expected UTF-8 or ASCII "
      "text" },
    /* found by make fuzz (regressions) */
    { "explain-extra-word.scn", "5:19: error: unexpected 'extra', expected end of line" },
    { "expect-states-unknown-fd.scn",
      "7:19: error: fd 't' is not defined in process 'p', expected an fd named by its socket "
      "or accept steps" },
};
#define BAD_CASE_COUNT (sizeof bad_cases / sizeof bad_cases[0])

static void check_bad_file(const char *file)
{
    for (size_t i = 0; i < BAD_CASE_COUNT; i++) {
        if (strcmp(bad_cases[i].file, file) != 0) continue;
        char path[256], expected[1024];
        snprintf(path, sizeof path, "tests/bad/%s", file);
        snprintf(expected, sizeof expected, "%s:%s", path, bad_cases[i].message);
        struct scenario *s = scenario_load(path, err, sizeof err);
        if (s) {
            scenario_free(s);
            fail_msg("%s was accepted", path);
        }
        if (strcmp(err, expected) != 0)
            fail_msg("%s:\n  got      %s\n  expected %s", file, err, expected);
        return;
    }
    fail_msg("tests/bad/%s is not in bad_cases: add its expected message", file);
}

#define BAD(name, file) \
    static void test_rejects_##name(void **state) { (void)state; check_bad_file(file); }
BAD(unknown_step, "unknown-step.scn")
BAD(wrong_argument_type, "wrong-argument-type.scn")
BAD(undefined_fd, "undefined-fd.scn")
BAD(duplicate_id, "duplicate-id.scn")
BAD(duplicate_host, "duplicate-host.scn")
BAD(duplicate_address, "duplicate-address.scn")
BAD(duplicate_process, "duplicate-process.scn")
BAD(process_copies_clash, "process-copies-clash.scn")
BAD(time_going_backwards, "time-goes-backwards.scn")
BAD(unknown_host, "unknown-host.scn")
BAD(bad_address, "bad-address.scn")
BAD(router_address, "router-address.scn")
BAD(bad_port, "bad-port.scn")
BAD(bad_time_unit, "bad-time-unit.scn")
BAD(time_without_unit, "time-without-unit.scn")
BAD(number_overflow, "number-overflow.scn")
BAD(trailing_garbage, "trailing-garbage.scn")
BAD(negative_number, "negative-number.scn")
BAD(unterminated_string, "unterminated-string.scn")
BAD(bad_escape, "bad-escape.scn")
BAD(missing_end, "missing-end.scn")
BAD(missing_end_at_eof, "missing-end-at-eof.scn")
BAD(missing_repeat_end, "missing-repeat-end.scn")
BAD(end_without_block, "end-without-block.scn")
BAD(empty_repeat, "empty-repeat.scn")
BAD(repeat_too_deep, "repeat-too-deep.scn")
BAD(missing_id, "missing-id.scn")
BAD(missing_title, "missing-title.scn")
BAD(id_with_a_path, "bad-id-path.scn")
BAD(id_with_upper_case, "bad-id-upper.scn")
BAD(id_too_long, "id-too-long.scn")
BAD(bad_name, "bad-name.scn")
BAD(too_many_hosts, "too-many-hosts.scn")
BAD(drop_chance_zero_denominator, "drop-chance-zero-denominator.scn")
BAD(drop_chance_over_one, "drop-chance-over-one.scn")
BAD(bandwidth_both_ways, "bandwidth-both-ways.scn")
BAD(bad_errno, "bad-errno.scn")
BAD(errno_without_minus_one, "errno-without-minus-one.scn")
BAD(bad_segment_flags, "bad-segment-flags.scn")
BAD(kill_of_unknown_process, "kill-unknown-process.scn")
BAD(received_on_unknown_fd, "received-unknown-fd.scn")
BAD(unknown_statement, "unknown-statement.scn")
BAD(metadata_after_world, "metadata-after-world.scn")
BAD(binary_file, "binary-nul.scn")
BAD(empty_file, "empty.scn")
BAD(control_character, "control-character.scn")
BAD(invalid_utf8, "invalid-utf8.scn")
BAD(explain_with_extra_word, "explain-extra-word.scn")          /* fuzz: leaked the paragraph */
BAD(expect_states_unknown_fd, "expect-states-unknown-fd.scn")

static void test_every_bad_file_is_checked(void **state)
{
    (void)state;
    DIR *d = opendir("tests/bad");
    assert_non_null(d);
    size_t files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".scn") != 0) continue;
        check_bad_file(e->d_name);
        files++;
    }
    closedir(d);
    assert_int_equal(files, BAD_CASE_COUNT);
}

/* ---- file limits: written at run time (a megabyte does not belong in the repository) ---- */

static void write_file(const char *path, const char *head, size_t fill, char fill_byte,
                       const char *tail)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    for (size_t i = 0; i < fill; i++) fputc(fill_byte, f);
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

static void test_rejects_a_line_of_a_megabyte(void **state)
{
    (void)state;
    char path[256], expected[512];
    snprintf(path, sizeof path, "%s/long-line.scn", tmpdir);
    write_file(path, "id x\ntitle \"t\"\n# ", 1000000, 'a', "\n");
    assert_null(scenario_load(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s:3:4097: error: line of 1000002 bytes, expected at "
                                        "most 4096 bytes per line", path);
    assert_string_equal(err, expected);
    unlink(path);
}

/* A valid scenario padded with comment lines to exactly `size` bytes. */
static void write_padded(const char *path, size_t size)
{
    static const char head[] = "id big\ntitle \"big\"\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    size_t n = sizeof head - 1;
    while (n < size) {
        size_t line = size - n > 1000 ? 1000 : size - n;   /* "#...\n" */
        fputc(line == 1 ? '\n' : '#', f);
        for (size_t i = 1; i + 1 < line; i++) fputc('x', f);
        if (line > 1) fputc('\n', f);
        n += line;
    }
    assert_int_equal(fclose(f), 0);
}

static void test_one_mebibyte_is_the_largest_file(void **state)
{
    (void)state;
    char path[256], expected[512];
    snprintf(path, sizeof path, "%s/big.scn", tmpdir);
    write_padded(path, 1 << 20);
    struct scenario *s = scenario_load(path, err, sizeof err);
    if (!s) fail_msg("%s", err);
    scenario_free(s);
    write_padded(path, (1 << 20) + 1);
    assert_null(scenario_load(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s:1:1: error: more than 1 MiB, expected a file of at "
                                        "most 1 MiB (1048576 bytes)", path);
    assert_string_equal(err, expected);
    unlink(path);
}

static void test_rejects_a_file_that_does_not_exist(void **state)
{
    (void)state;
    assert_null(scenario_load("tests/bad/does-not-exist.scn", err, sizeof err));
    assert_string_equal(err, "tests/bad/does-not-exist.scn:1:1: error: cannot open the file (No "
                             "such file or directory), expected a readable scenario file");
}

static void test_rejects_a_directory(void **state)
{
    (void)state;
    assert_null(scenario_load("tests/bad", err, sizeof err));
    assert_string_equal(err, "tests/bad:1:1: error: not a regular file, expected a scenario file");
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_statement_metadata_and_world),
        cmocka_unit_test(test_every_statement_server_steps),
        cmocka_unit_test(test_every_statement_client_steps_and_repeat_layout),
        cmocka_unit_test(test_every_statement_events),
        cmocka_unit_test(test_every_statement_expectations),
        cmocka_unit_test(test_time_and_matching_expectations),
        cmocka_unit_test(test_new_steps_and_inject),
        cmocka_unit_test(test_inject_from_third_address),
        cmocka_unit_test(test_every_keyword_of_the_parser_is_documented),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_differs_no),
        cmocka_unit_test(test_crlf_tabs_and_comments),
        cmocka_unit_test(test_fd_names_are_reused_and_per_process),
        cmocka_unit_test(test_every_errno_name_maps_to_the_linux_number),
        cmocka_unit_test(test_segment_flags_round_trip_the_timeline_notation),
        cmocka_unit_test(test_drop_next_flag_letters_in_any_order),
        cmocka_unit_test(test_drop_nth_names_say_the_ordinal),
        cmocka_unit_test(test_times_and_rates_with_every_unit),
        cmocka_unit_test(test_expectation_text_is_the_source_as_written),
        cmocka_unit_test(test_events_at_the_same_time_keep_file_order),
        cmocka_unit_test(test_a_line_of_exactly_4096_bytes_is_accepted),
        cmocka_unit_test(test_utf8_text_is_accepted),
        cmocka_unit_test(test_error_buffer_small_or_absent),
        cmocka_unit_test(test_text_without_a_final_newline_or_nul),
        cmocka_unit_test(test_wrong_number_of_arguments),
        cmocka_unit_test(test_more_value_errors),
        cmocka_unit_test(test_process_copy_names_clash_exactly_when_they_share_a_name),
        cmocka_unit_test(test_rejects_unknown_step),
        cmocka_unit_test(test_rejects_wrong_argument_type),
        cmocka_unit_test(test_rejects_undefined_fd),
        cmocka_unit_test(test_rejects_duplicate_id),
        cmocka_unit_test(test_rejects_duplicate_host),
        cmocka_unit_test(test_rejects_duplicate_address),
        cmocka_unit_test(test_rejects_duplicate_process),
        cmocka_unit_test(test_rejects_process_copies_clash),
        cmocka_unit_test(test_rejects_time_going_backwards),
        cmocka_unit_test(test_rejects_unknown_host),
        cmocka_unit_test(test_rejects_bad_address),
        cmocka_unit_test(test_rejects_router_address),
        cmocka_unit_test(test_rejects_bad_port),
        cmocka_unit_test(test_rejects_bad_time_unit),
        cmocka_unit_test(test_rejects_time_without_unit),
        cmocka_unit_test(test_rejects_number_overflow),
        cmocka_unit_test(test_rejects_trailing_garbage),
        cmocka_unit_test(test_rejects_negative_number),
        cmocka_unit_test(test_rejects_unterminated_string),
        cmocka_unit_test(test_rejects_bad_escape),
        cmocka_unit_test(test_rejects_missing_end),
        cmocka_unit_test(test_rejects_missing_end_at_eof),
        cmocka_unit_test(test_rejects_missing_repeat_end),
        cmocka_unit_test(test_rejects_end_without_block),
        cmocka_unit_test(test_rejects_empty_repeat),
        cmocka_unit_test(test_rejects_repeat_too_deep),
        cmocka_unit_test(test_rejects_missing_id),
        cmocka_unit_test(test_rejects_missing_title),
        cmocka_unit_test(test_rejects_id_with_a_path),
        cmocka_unit_test(test_rejects_id_with_upper_case),
        cmocka_unit_test(test_rejects_id_too_long),
        cmocka_unit_test(test_rejects_bad_name),
        cmocka_unit_test(test_rejects_too_many_hosts),
        cmocka_unit_test(test_rejects_drop_chance_zero_denominator),
        cmocka_unit_test(test_rejects_drop_chance_over_one),
        cmocka_unit_test(test_rejects_bandwidth_both_ways),
        cmocka_unit_test(test_rejects_bad_errno),
        cmocka_unit_test(test_rejects_errno_without_minus_one),
        cmocka_unit_test(test_rejects_bad_segment_flags),
        cmocka_unit_test(test_rejects_kill_of_unknown_process),
        cmocka_unit_test(test_rejects_received_on_unknown_fd),
        cmocka_unit_test(test_rejects_unknown_statement),
        cmocka_unit_test(test_rejects_metadata_after_world),
        cmocka_unit_test(test_rejects_binary_file),
        cmocka_unit_test(test_rejects_empty_file),
        cmocka_unit_test(test_rejects_control_character),
        cmocka_unit_test(test_rejects_invalid_utf8),
        cmocka_unit_test(test_rejects_explain_with_extra_word),
        cmocka_unit_test(test_rejects_expect_states_unknown_fd),
        cmocka_unit_test(test_every_bad_file_is_checked),
        cmocka_unit_test(test_rejects_a_line_of_a_megabyte),
        cmocka_unit_test(test_one_mebibyte_is_the_largest_file),
        cmocka_unit_test(test_rejects_a_file_that_does_not_exist),
        cmocka_unit_test(test_rejects_a_directory),
    };
    return cmocka_run_group_tests_name("scenario_parse", tests, setup, teardown);
}
