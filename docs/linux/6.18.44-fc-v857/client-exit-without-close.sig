# tcpsim linux signature  scenario client-exit-without-close  kernel 6.18.44-fc-v857
# sysctl net.ipv4.tcp_wmem = 4096 4096 4096  CHANGED by scenarios/linux/client-exit-without-close.sysctl (kernel default 4096 16384 4194304; per-namespace)
# sysctl net.ipv4.tcp_rmem = 4096 4096 4096  CHANGED by scenarios/linux/client-exit-without-close.sysctl (kernel default 4096 131072 33554432; per-namespace)
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
calls client/rstclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
  send fd 3 500 = 500
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
  recv fd 4: 10000 bytes
  recv fd 4 65536 = 0
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  server 10.0.0.2:8401>rstclient.s
link rst-sent
  client rstclient.s>10.0.0.2:8401 in TCP_CLOSE: TCP_ABORT_ON_CLOSE
link socket-at-end
  client client.s>10.0.0.2:8400 TIME-WAIT
process client/client
  start 0
  exit 0
process client/rstclient
  start 0
  exit 0
process server/rstserver
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-10001
  F.   seq 10001 ack 1 len 0 delivered
segments client>server rstclient.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-K+1
  R.   seq K+1 ack 26 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 10002 len 0 delivered
segments server>client 10.0.0.2:8401>rstclient.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-26
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states client rstclient.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8401>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states server 10.0.0.2:8401>rstclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
