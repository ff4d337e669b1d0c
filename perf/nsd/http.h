/* nsd's HTTP/1.1 server (RFC 9110, RFC 9112) as a stream service
 * (nsd_http_ops in svc.h): persistent connections, pipelining (requests
 * are answered in order, one at a time), Content-Length and chunked
 * request bodies, Expect: 100-continue.
 *
 * Resources:
 *   GET|HEAD /           a short text naming these resources
 *   GET|HEAD /bytes/N    N bytes of the deterministic stream of body.h
 *   GET|HEAD /zeros/N    N zero bytes (for benchmarks: no generation cost)
 *   GET|HEAD /stats      the host's counters and sockets as JSON
 *   POST|PUT /upload     reads the body and answers
 *                        {"bytes":N,"sha256":"<hex>"} (a JSON object)
 *   POST|PUT /discard    reads the body and answers {"bytes":N}
 * A query string is ignored. Other paths get 404, other methods on these
 * paths 405 (with Allow), unknown methods 501.
 *
 * Limits and bad input: a request line and header block over
 * NSD_HTTP_HEAD_MAX bytes gets 431; a malformed request (bad request
 * line, bad header syntax, obsolete line folding, a bad or conflicting
 * Content-Length, a chunk size that does not parse, an HTTP/1.1 request
 * without Host) gets 400; an unsupported transfer coding 501; another
 * HTTP major version 505; an expectation other than 100-continue 417. Each
 * of these responses carries Connection: close, and the connection ends
 * after it (RFC 9112 6.3: after a framing error the stream cannot be
 * trusted). Memory per connection is bounded: the header block, one
 * response's headers, and for /stats the JSON text.
 */
#ifndef NSD_HTTP_H
#define NSD_HTTP_H

#include "svc.h"

/* Request line plus header fields, including the empty line. */
#define NSD_HTTP_HEAD_MAX 8192
/* A chunk-size line with its extensions, or one trailer field. */
#define NSD_HTTP_LINE_MAX 4096
/* The largest N of /bytes/N and /zeros/N: 2^53, exact in JSON numbers. */
#define NSD_HTTP_BODY_MAX (1ULL << 53)

#endif
