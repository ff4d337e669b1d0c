/* libFuzzer harness for config.json and the state file.
 *
 * Each input is read three ways: as config.json (rs_oci_spec_parse), as
 * an exec process file (rs_oci_process_parse), and as a state.json
 * (rs_state_from_json). A refusal must be one line naming the file; an
 * accepted config must satisfy the model's promises (NULL-terminated
 * argv and env, absolute cwd and paths, no namespace type twice), and the
 * queries over it must hold up. The seeds in corpus/fuzz_oci_spec are
 * runc's and runsc's default configs and one with every field set. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci_spec.h"
#include "runsc/log.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Unknown capabilities warn; the fuzzer makes many. */
	rs_log_set_level(RS_LOG_ERROR);
	return 0;
}

static void check_refusal(struct rs_error *err, const char *file)
{
	char msg[1024];
	if (err == NULL)
		abort(); /* a failure always says why */
	rs_error_format(err, msg, sizeof(msg));
	if (strchr(msg, '\n') || strncmp(msg, file, strlen(file)) != 0)
		abort();
}

static void check_process(const struct rs_oci_process *p)
{
	if (p->n_args == 0 || p->args[p->n_args] != NULL || p->env == NULL ||
	    p->env[p->n_env] != NULL || p->cwd[0] != '/')
		abort();
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (eq == NULL || eq == p->env[i])
			abort();
	}
	for (int set = 0; set < RS_OCI_CAP_NSETS; set++)
		if (p->caps[set] >> (RS_OCI_CAP_LAST + 1))
			abort();
}

static void check_spec(const struct rs_oci_spec *s)
{
	check_process(s->process);
	if (s->root.abs_path[0] != '/' || strstr(s->root.abs_path, "/../") ||
	    strstr(s->root.abs_path, "//"))
		abort();
	char buf[64];
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct rs_oci_mount *m = &s->mounts[i];
		if (m->destination[0] != '/')
			abort();
		const char *size =
			rs_oci_mount_data_option(m, "size", buf, sizeof(buf));
		uint64_t bytes;
		if (size)
			rs_oci_parse_size(size, &bytes);
	}
	unsigned seen = 0;
	for (size_t i = 0; i < s->linux_cfg.n_namespaces; i++) {
		unsigned t = s->linux_cfg.namespaces[i].type;
		if (t >= RS_OCI_NS_TYPES || (seen & (1u << t)))
			abort();
		seen |= 1u << t;
		if (rs_oci_spec_namespace(s, (enum rs_oci_ns_type)t) == NULL)
			abort();
	}
	for (size_t i = 0; i < s->n_annotations; i++)
		if (rs_oci_spec_annotation(s, s->annotations[i].key) == NULL)
			abort();
	for (int k = 0; k < RS_OCI_HOOK_KINDS; k++)
		for (size_t i = 0; i < s->hooks[k].n; i++)
			if (s->hooks[k].v[i].path[0] != '/')
				abort();
	rs_oci_version_supported(s->oci_version);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct rs_error *err = NULL;

	struct rs_oci_spec *spec = NULL;
	if (rs_oci_spec_parse(text, size, "/bundle", &spec, &err) == 0) {
		check_spec(spec);
		rs_oci_spec_free(spec);
	} else {
		check_refusal(err, "config.json: ");
	}
	rs_error_clear(&err);

	struct rs_oci_process *proc = NULL;
	if (rs_oci_process_parse(text, size, "process.json", &proc, &err) ==
	    0) {
		check_process(proc);
		rs_oci_process_free(proc);
	} else {
		check_refusal(err, "process.json: ");
	}
	rs_error_clear(&err);

	json_t *doc = json_loadb(text, size, 0, NULL);
	if (doc) {
		struct rs_state st = { 0 };
		if (rs_state_from_json(doc, "state.json", &st, &err) == 0) {
			/* What was read writes back and reads again. */
			json_t *again = rs_state_to_json(&st);
			struct rs_state st2 = { 0 };
			if (again == NULL ||
			    rs_state_from_json(again, "again", &st2, NULL) <
				    0 ||
			    strcmp(st.id, st2.id) != 0 ||
			    st.status != st2.status || st.pid != st2.pid ||
			    st.created.tv_sec != st2.created.tv_sec ||
			    st.created.tv_nsec != st2.created.tv_nsec)
				abort();
			json_t *oci = rs_state_oci_json(&st, st.status);
			json_decref(oci);
			rs_state_clear(&st2);
			json_decref(again);
			rs_state_clear(&st);
		} else {
			check_refusal(err, "`state.json`: ");
		}
		rs_error_clear(&err);
		json_decref(doc);
	}
	return 0;
}
