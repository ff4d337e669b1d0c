/* File descriptor hygiene for the helper processes runsc forks (the -p
 * forwarder, the tap guard): a child keeps exactly the fds it needs, so
 * that it holds no namespace, socket or file of runsc's by accident. */
#ifndef RUNSC_FDS_H
#define RUNSC_FDS_H

/* Closes every fd except those in keep[0..n) (negative entries are
 * ignored). Uses close_range(2); never fails. */
void rs_close_all_but(const int *keep, unsigned n);

#endif
