# tcpsim linux signature  scenario server-host-crash  kernel 6.18.44-fc-v857
# sysctl net.ipv4.tcp_retries2 = 5  CHANGED by scenarios/linux/server-host-crash.sysctl (kernel default 15; per-namespace)
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 100 = 100
  recv fd 3: 50 bytes
  send fd 3 100 = 100
  recv fd 3 256 = -1 ETIMEDOUT
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 50 = 50
host client
  up
host server
  up
  crash
process client/client
  start 0
  exit 0
process server/server
  start 0
  killed 137
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-201 (dropped:host down)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-51
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8400>0.0.0.0:0
  CLOSED -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
