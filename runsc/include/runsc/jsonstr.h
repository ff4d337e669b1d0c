/* JSON string escaping as Go's encoding/json does it, for output that
 * engines read beside runc's (runsc's JSON log lines, its state and list
 * output): '"' and '\\' escaped, \n \r \t by name, other control bytes as
 * \u00XX, '<', '>' and '&' as \u003c \u003e \u0026 (Go's HTML-safe
 * default), U+2028 and U+2029 escaped, and every byte that is not valid
 * UTF-8 replaced by \ufffd. The result is always valid JSON. Nothing here
 * allocates.
 */
#ifndef RUNSC_JSONSTR_H
#define RUNSC_JSONSTR_H

#include <stddef.h>

/* Writes the escaped form of s[0..n), with the surrounding quotes, into
 * buf (len bytes, NUL-terminated when len > 0). Returns the length the
 * whole escaped string needs (without the NUL), like snprintf; when it is
 * >= len the output was cut, never inside an escape. */
size_t rs_json_escape(char *buf, size_t len, const char *s, size_t n);

#endif
