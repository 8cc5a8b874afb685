/* echo — a tiny TCP echo server and client, written with plain BSD socket calls.
 * Nothing here knows about tcpsim: the same file builds into a real program. */
#ifndef ECHO_H
#define ECHO_H

#include <stddef.h>
#include <stdint.h>

/* Serves `clients` connections one after the other on port: echoes everything it reads
 * until the client closes. Returns 0, or -1 with errno from the failing call. */
int echo_serve(uint16_t port, int clients);

/* Connects to ip:port, sends msg, reads the echo into reply (NUL-terminated), closes.
 * timeout_ms bounds each wait for the reply (SO_RCVTIMEO). Returns the reply's length, or
 * -1 with errno from the failing call. */
long echo_request(const char *ip, uint16_t port, const char *msg, char *reply, size_t size,
                  int timeout_ms);

#endif
