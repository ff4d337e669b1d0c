/* A bounded, non-blocking byte sink behind a stdio stream, for the pcap
 * sniffer: libpcap's dumper writes records into the FILE, the bytes wait
 * in a buffer of fixed capacity, and capsink_drain() hands them to the fd
 * without ever blocking (a pipe to `tcpdump -r -` may be slow) and without
 * SIGPIPE when the reader is gone. Private to drivers/. */
#ifndef DRIVERS_CAPSINK_H
#define DRIVERS_CAPSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct capsink;

/* Creates a sink writing to fd, which it owns from then on (closed by
 * capsink_free, also on failure). *file is an unbuffered stream whose
 * writes land in the sink; it belongs to the caller (fclose it before
 * capsink_free). Returns 0 or -ENOMEM. */
int capsink_new(int fd, size_t capacity, struct capsink **out, FILE **file);

/* Whether n more bytes fit in the buffer right now. */
bool capsink_room(const struct capsink *s, size_t n);

/* Bytes written into the sink and not yet handed to the fd. */
size_t capsink_pending(const struct capsink *s);

/* Writes as much as the fd takes without blocking. Returns 0 when the
 * buffer is empty, -EAGAIN when bytes remain, or the negative errno that
 * broke the fd (-EPIPE: the reader is gone); after an error the sink
 * discards everything written to it. */
int capsink_drain(struct capsink *s);

/* Drains, waiting up to timeout_ms in total for a slow reader. Returns as
 * capsink_drain(). */
int capsink_drain_wait(struct capsink *s, int timeout_ms);

/* The errno that broke the sink, or 0. */
int capsink_error(const struct capsink *s);

/* Closes the fd and frees the buffer. NULL is fine. */
void capsink_free(struct capsink *s);

#endif
