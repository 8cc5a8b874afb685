# tcpsim linux signature  scenario connect-timeout  kernel 6.18.44-fc-v857
# sysctl net.ipv4.tcp_syn_retries = 3  CHANGED by scenarios/linux/connect-timeout.sysctl (kernel default 6; per-namespace)
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = -1 ETIMEDOUT
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  setsockopt fd 3 SO_RCVTIMEO 30000 = 0
  accept fd 3 = -1 EAGAIN
  close fd 3 = 0
host client
  up
host server
  up
link rule
  client>server drop-all: drop every packet
process client/client
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
  S    seq 0 ack 0 len 0 dropped:drop-all
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
