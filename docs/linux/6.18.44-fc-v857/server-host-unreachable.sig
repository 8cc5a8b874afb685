# tcpsim linux signature  scenario server-host-unreachable  kernel 6.18.44-fc-v857
# sysctl net.ipv4.tcp_retries2 = 5  CHANGED by scenarios/linux/server-host-unreachable.sysctl (kernel default 15; per-namespace)
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 100 = 100
  recv fd 3: 50 bytes
  send fd 3 100 = 100
  recv fd 3 256 = -1 EHOSTUNREACH
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  setsockopt fd 4 SO_RCVTIMEO 600000 = 0
  recv fd 4: 100 bytes
  send fd 4 50 = 50
host client
  up
host server
  up
link icmp
  router 10.0.0.254 > client: ICMP host unreachable
link rule
  client>server: router 10.0.0.254 answers ICMP host unreachable
  server>client: router 10.0.0.254 answers ICMP host unreachable
link socket-at-end
  server 0.0.0.0:8400>0.0.0.0:* LISTEN
  server 10.0.0.2:8400>client.s ESTAB
link still-running
  server/server
process client/client
  start 0
  exit 0
process server/server
  start 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-201 (dropped:unreachable)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-51
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
