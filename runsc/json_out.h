/* JSON text as Go's encoding/json writes it, for the output of runsc
 * commands that engines and scripts compare with runc's: `spec`
 * (MarshalIndent with a tab), `state` (two spaces), `features` (four
 * spaces), `list --format json` (compact). Members come in the object's
 * order (build maps sorted where Go would sort them); strings are escaped
 * as runsc/jsonstr.h says.
 */
#ifndef RUNSC_JSON_OUT_H
#define RUNSC_JSON_OUT_H

#include <jansson.h>
#include <stdio.h>

/* v as text: compact when indent is NULL, else one member or element per
 * line indented with indent per level, as json.MarshalIndent(v, "",
 * indent). No trailing newline. Returns a malloc'd string, or NULL when
 * out of memory. */
char *rs_json_go(const json_t *v, const char *indent);

/* Writes rs_json_go(v, indent) and then end (may be "") to f. Returns 0,
 * or -1 with errno set. */
int rs_json_go_print(FILE *f, const json_t *v, const char *indent,
		     const char *end);

/* A copy of the object obj with its members sorted by key (Go writes
 * maps so), or NULL when out of memory. */
json_t *rs_json_sorted(const json_t *obj);

#endif
