/* execve preparation: shebang rewriting, ELF validation, interpreters,
 * permissions and limits (the mapping half needs a live process and is
 * covered by the integration tests). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "kernel/exec.h"

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	struct sn_fs *fs =
		rs_container_of(f.k->mounts.next, struct sn_mount, link)->fs;
	fs->ops->mkdir(fs, f.task, "bin", 0755);
	fs->ops->mkdir(fs, f.task, "lib64", 0755);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, len);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	fclose(f);
	return buf;
}

/* Copies a host binary into the fake root. Returns false if the host
 * does not have it. */
static bool copy_in(struct fake *f, const char *host, const char *path)
{
	size_t len;
	char *data = slurp(host, &len);
	if (data == NULL)
		return false;
	fake_write_file(f, path, data, len, 0755);
	free(data);
	return true;
}

static int prepare(struct fake *f, const char *path, char *const *argv,
		   struct sn_exec_image **img)
{
	char env0[] = "A=1";
	char *const envp[] = { env0, NULL };
	return sn_exec_prepare(f->task, path, argv, envp, img);
}

static void test_static_elf_and_shebang(void **state)
{
	struct fake *f = *state;
	if (!copy_in(f, "/bin/busybox", "/bin/busybox"))
		skip();
	struct sn_exec_image *img;
	char sh[] = "sh", arg[] = "arg";
	char *const argv[] = { sh, arg, NULL };
	assert_int_equal(prepare(f, "/bin/busybox", argv, &img), 0);
	assert_false(img->has_interp);
	assert_string_equal(img->path, "/bin/busybox");
	assert_int_equal(img->argc, 2);
	sn_exec_image_free(img);

	const char *script = "#!  /bin/busybox   sh -e  \necho hi\n";
	fake_write_file(f, "/script", script, strlen(script), 0755);
	char s0[] = "./script", s1[] = "a1";
	char *const sargv[] = { s0, s1, NULL };
	assert_int_equal(prepare(f, "/script", sargv, &img), 0);
	/* binfmt_script: interp, its one argument, the script, argv[1..]. */
	assert_int_equal(img->argc, 4);
	assert_string_equal(img->argv[0], "/bin/busybox");
	assert_string_equal(img->argv[1], "sh -e");
	assert_string_equal(img->argv[2], "/script");
	assert_string_equal(img->argv[3], "a1");
	assert_string_equal(img->execfn, "/script");
	assert_string_equal(img->path, "/bin/busybox");
	sn_exec_image_free(img);
}

static void test_dynamic_needs_interp(void **state)
{
	struct fake *f = *state;
	if (!copy_in(f, "/bin/true", "/true"))
		skip();
	struct sn_exec_image *img;
	char t0[] = "true";
	char *const argv[] = { t0, NULL };
	assert_int_equal(prepare(f, "/true", argv, &img), -ENOENT);
	if (!copy_in(f, "/lib64/ld-linux-x86-64.so.2",
		     "/lib64/ld-linux-x86-64.so.2"))
		skip();
	assert_int_equal(prepare(f, "/true", argv, &img), 0);
	assert_true(img->has_interp);
	assert_int_equal(img->interp.eh.e_type, ET_DYN);
	sn_exec_image_free(img);
}

static void test_refusals(void **state)
{
	struct fake *f = *state;
	struct sn_exec_image *img;
	char x0[] = "x";
	char *const argv[] = { x0, NULL };
	fake_write_file(f, "/noexec", "#!/bin/sh\n", 10, 0644);
	assert_int_equal(prepare(f, "/noexec", argv, &img), -EACCES);
	fake_write_file(f, "/garbage", "garbage!", 8, 0755);
	assert_int_equal(prepare(f, "/garbage", argv, &img), -ENOEXEC);
	fake_write_file(f, "/empty-shebang", "#!   \n", 6, 0755);
	assert_int_equal(prepare(f, "/empty-shebang", argv, &img), -ENOEXEC);
	fake_write_file(f, "/l1", "#!/l2\n", 6, 0755);
	fake_write_file(f, "/l2", "#!/l1\n", 6, 0755);
	assert_int_equal(prepare(f, "/l1", argv, &img), -ELOOP);
	assert_int_equal(prepare(f, "/missing", argv, &img), -ENOENT);
	assert_int_equal(prepare(f, "/", argv, &img), -EACCES);
	/* A truncated ELF header and one with absurd program headers. */
	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	fake_write_file(f, "/short", &eh, 20, 0755);
	assert_int_equal(prepare(f, "/short", argv, &img), -ENOEXEC);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 60000;
	fake_write_file(f, "/phnum", &eh, sizeof(eh), 0755);
	assert_int_equal(prepare(f, "/phnum", argv, &img), -ENOEXEC);
	eh.e_phnum = 1;
	eh.e_phoff = 1ull << 40; /* program headers past the end */
	fake_write_file(f, "/phoff", &eh, sizeof(eh), 0755);
	assert_int_equal(prepare(f, "/phoff", argv, &img), -ENOEXEC);
	eh.e_machine = EM_386;
	fake_write_file(f, "/i386", &eh, sizeof(eh), 0755);
	assert_int_equal(prepare(f, "/i386", argv, &img), -ENOEXEC);
}

static void test_argument_limit(void **state)
{
	struct fake *f = *state;
	fake_write_file(f, "/s", "#!/bin/busybox sh\n", 18, 0755);
	if (!copy_in(f, "/bin/busybox", "/bin/busybox"))
		skip();
	char *big = malloc(SN_EXEC_ARGS_MAX + 1);
	memset(big, 'a', SN_EXEC_ARGS_MAX);
	big[SN_EXEC_ARGS_MAX] = 0;
	char a0[] = "s";
	char *const argv[] = { a0, big, NULL };
	struct sn_exec_image *img;
	assert_int_equal(prepare(f, "/s", argv, &img), -E2BIG);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_static_elf_and_shebang,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic_needs_interp,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argument_limit, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
