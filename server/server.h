/* SPDX-License-Identifier: MIT */
/* server.h: the `ptscope serve` command (start-up, the two servers, signals,
   shutdown).  The state it hands to both servers is daemon.h. */
#ifndef PTS_SERVER_H
#define PTS_SERVER_H

/* The `ptscope serve` command: runs until SIGINT/SIGTERM; exit status. */
int server_main(int argc, char **argv);

#endif
