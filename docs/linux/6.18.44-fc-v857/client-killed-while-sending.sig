# tcpsim linux signature  scenario client-killed-while-sending  kernel 6.18.44-fc-v857
# sysctl net.ipv4.tcp_wmem = 4096 16384 16384  CHANGED by scenarios/linux/client-killed-while-sending.sysctl (kernel default 4096 16384 4194304; per-namespace)
# sysctl net.ipv4.tcp_rmem = 4096 131072 131072  CHANGED by scenarios/linux/client-killed-while-sending.sysctl (kernel default 4096 131072 33554432; per-namespace)
calls client/rstsender
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 1000 = 1000  (repeated until the kill)
calls client/sender
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 1000 = 1000  (repeated until the kill)
calls server/rstserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  send fd 4 25 = 25
  recv fd 4: K bytes
  recv fd 4 65536 = -1 ECONNRESET
  close fd 4 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: K bytes
  recv fd 4 65536 = 0
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  server 10.0.0.2:8401>rstsender.s
link rst-sent
  client rstsender.s>10.0.0.2:8401 in TCP_CLOSE: TCP_ABORT_ON_CLOSE
link socket-at-end
  client sender.s>10.0.0.2:8400 TIME-WAIT
process client/rstsender
  start 0
  signal SIGKILL terminate
  killed 137
process client/sender
  start 0
  signal SIGKILL terminate
  killed 137
process server/rstserver
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server rstsender.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-K+1
  R.   seq K+1 ack 26 len 0 delivered
segments client>server sender.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-K+1
  F.   seq K+1 ack 1 len 0 delivered
segments server>client 10.0.0.2:8400>sender.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack K+2 len 0 delivered
segments server>client 10.0.0.2:8401>rstsender.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-26
states client rstsender.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states client sender.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8401>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>sender.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states server 10.0.0.2:8401>rstsender.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
