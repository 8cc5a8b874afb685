# tcpsim linux signature  scenario client-killed-by-sigpipe  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 60 = 60
  send fd 3 100 = -1 ECONNRESET
calls client/client_ign
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 60 = 60
  send fd 3 100 = -1 ECONNRESET
  send fd 3 100 = -1 EPIPE
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 16 bytes
  close fd 4 = 0
  close fd 3 = 0
calls server/server_ign
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 16 bytes
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
  client client_ign.s>10.0.0.2:8401
link rst-sent
  server 10.0.0.2:8400>client.s in TCP_CLOSE: TCP_ABORT_ON_CLOSE
  server 10.0.0.2:8401>client_ign.s in TCP_CLOSE: TCP_ABORT_ON_CLOSE
process client/client
  start 0
  signal SIGPIPE terminate
  killed 141
process client/client_ign
  start 0
  exit 0
process server/server
  start 0
  exit 0
process server/server_ign
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-61
segments client>server client_ign.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-61
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  R.   seq 1 ack 61 len 0 delivered
segments server>client 10.0.0.2:8401>client_ign.s
  S.   seq 0 ack 1 len 0 delivered
  R.   seq 1 ack 61 len 0 delivered
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states client client_ign.s>10.0.0.2:8401
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
  ESTABLISHED -> CLOSED
states server 10.0.0.2:8401>client_ign.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
