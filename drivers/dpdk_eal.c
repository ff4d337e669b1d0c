/* DPDK's environment, once per process (drivers/dpdk.h): the arguments
 * rte_eal_init() gets, its messages, hot-plugged devices, and the ports
 * links have taken. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "common.h"
#include "dpdk_impl.h"
#include "runsc/log.h"

#define MAX_ARGS 128

/* The process's EAL. Links are opened by one thread (the netstack's
 * owner), so plain variables do. */
static struct {
	enum { EAL_NONE, EAL_UP, EAL_FAILED } state;
	char *args; /* the text it was initialised with ("" for none) */
	unsigned next_id;
	uint8_t claimed[RTE_MAX_ETHPORTS];
} eal;

/* ---- Arguments ------------------------------------------------------ */

int dpdk_split_args(const char *text, char *buf, char **argv, int *argc,
		    int max)
{
	const char *p = text;
	char *out = buf;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == 0)
			return 0;
		if (*argc >= max)
			return -E2BIG;
		argv[(*argc)++] = out;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');
				if (end == NULL)
					return -EINVAL;
				memcpy(out, p + 1, (size_t)(end - p - 1));
				out += end - p - 1;
				p = end + 1;
			} else if (*p == '"') {
				p++;
				while (*p != '"') {
					if (*p == 0)
						return -EINVAL;
					if (*p == '\\' &&
					    (p[1] == '"' || p[1] == '\\'))
						p++;
					*out++ = *p++;
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = 0;
	}
}

/* Whether an option (or one of its spellings) is among argv. */
static bool has_opt(char **argv, int argc, const char *const *names)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *n = names; *n; n++) {
			size_t len = strlen(*n);
			if (strncmp(argv[i], *n, len) == 0 &&
			    (argv[i][len] == 0 || argv[i][len] == '=' ||
			     (*n)[1] != '-'))
				return true;
		}
	return false;
}

static bool machine_has_hugepages(void)
{
	glob_t g;
	bool any = false;
	if (glob("/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages", 0, NULL,
		 &g) != 0)
		return false;
	for (size_t i = 0; i < g.gl_pathc && !any; i++) {
		FILE *f = fopen(g.gl_pathv[i], "re");
		unsigned long n = 0;
		if (f) {
			if (fscanf(f, "%lu", &n) != 1)
				n = 0;
			fclose(f);
		}
		any = n > 0;
	}
	globfree(&g);
	return any;
}

/* "0@(0-1,3)": lcore 0 on every CPU the caller may use, so that EAL
 * neither pins the caller to one CPU nor starts worker threads. */
static void lcores_arg(char *buf, size_t len)
{
	cpu_set_t set;
	size_t n = (size_t)snprintf(buf, len, "--lcores=0@(");
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		snprintf(buf, len, "--lcores=0");
		return;
	}
	bool first = true;
	for (int c = 0; c < CPU_SETSIZE && n < len; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
			e++;
		n += (size_t)snprintf(buf + n, len - n, first ? "%d" : ",%d",
				      c);
		if (e > c && n < len)
			n += (size_t)snprintf(buf + n, len - n, "-%d", e);
		first = false;
		c = e;
	}
	if (n < len)
		snprintf(buf + n, len - n, ")");
}

/* ---- EAL's messages --------------------------------------------------- */

/* DPDK logs through a stdio stream; ours sends each line to the runsc
 * logger and keeps the last few, with their level, for error messages.
 * Text that EAL prints on stdout and stderr directly (getopt's
 * complaints, its usage text) is captured around the calls that print
 * it and joins the same lines. */
#define KEPT_LINES 16
static struct {
	char partial[512];
	size_t plen;
	struct {
		uint32_t level;
		char text[240];
	} lines[KEPT_LINES];
	unsigned nlines; /* since the last reset, at most KEPT_LINES kept */
	FILE *stream;
} logbuf;

static void keep_line(uint32_t level, const char *text)
{
	while (*text == ' ')
		text++;
	if (*text == 0)
		return;
	rs_debug("dpdk", "%s", text);
	if (logbuf.nlines < KEPT_LINES) {
		logbuf.lines[logbuf.nlines].level = level;
		snprintf(logbuf.lines[logbuf.nlines].text,
			 sizeof(logbuf.lines[0].text), "%s", text);
		logbuf.nlines++;
	}
}

static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	uint32_t level = (uint32_t)rte_log_cur_msg_loglevel();
	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n' ||
		    logbuf.plen == sizeof(logbuf.partial) - 1) {
			logbuf.partial[logbuf.plen] = 0;
			keep_line(level, logbuf.partial);
			logbuf.plen = 0;
			if (buf[i] == '\n')
				continue;
		}
		logbuf.partial[logbuf.plen++] = buf[i];
	}
	return (ssize_t)size;
}

static void log_reset(void)
{
	logbuf.nlines = 0;
	logbuf.plen = 0;
}

/* Lines EAL adds after the real cause, which say nothing of it. */
static bool generic_line(const char *s)
{
	static const char *const generic[] = {
		"Invalid 'command line' arguments",
		"Bus (vdev) probe failed",
		"failed to initialize",
		"Cannot init",
		"Driver cannot attach the device",
		"Failed to attach device",
		"Usage:",
		"EAL common options",
		"Error - exiting",
	};
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (strstr(s, generic[i]))
			return true;
	return false;
}

/* The first error EAL or a PMD gave since the last reset, else the
 * last line of any level; "" when there was none. */
static const char *complaint(void)
{
	for (unsigned i = 0; i < logbuf.nlines; i++)
		if (logbuf.lines[i].level <= RTE_LOG_ERR &&
		    !generic_line(logbuf.lines[i].text))
			return logbuf.lines[i].text;
	for (unsigned i = 0; i < logbuf.nlines; i++)
		if (logbuf.lines[i].level <= RTE_LOG_ERR)
			return logbuf.lines[i].text;
	return logbuf.nlines ? logbuf.lines[logbuf.nlines - 1].text : "";
}

static int log_open(void)
{
	if (logbuf.stream)
		return 0;
	cookie_io_functions_t io = { .write = log_write };
	logbuf.stream = fopencookie(NULL, "w", io);
	if (logbuf.stream == NULL)
		return -ENOMEM;
	setvbuf(logbuf.stream, NULL, _IOLBF, 0);
	return rte_openlog_stream(logbuf.stream) == 0 ? 0 : -EINVAL;
}

/* stdout and stderr into a memory file while EAL may print on them. */
struct capture {
	int memfd, saved_out, saved_err;
};

static void capture_start(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	c->memfd = memfd_create("dpdk-output", MFD_CLOEXEC);
	c->saved_out = c->memfd >= 0 ? fcntl(1, F_DUPFD_CLOEXEC, 3) : -1;
	c->saved_err = c->memfd >= 0 ? fcntl(2, F_DUPFD_CLOEXEC, 3) : -1;
	if (c->saved_out >= 0)
		dup2(c->memfd, 1);
	if (c->saved_err >= 0)
		dup2(c->memfd, 2);
}

static void capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	if (c->saved_out >= 0) {
		dup2(c->saved_out, 1);
		close(c->saved_out);
	}
	if (c->saved_err >= 0) {
		dup2(c->saved_err, 2);
		close(c->saved_err);
	}
	if (c->memfd < 0)
		return;
	char text[2048];
	ssize_t n = pread(c->memfd, text, sizeof(text) - 1, 0);
	close(c->memfd);
	if (n <= 0)
		return;
	text[n] = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		/* getopt's complaints (not the usage text): the cause. */
		if (strstr(line, "unrecognized option") ||
		    strstr(line, "invalid option") ||
		    strstr(line, "requires an argument") ||
		    strstr(line, "allow an argument") ||
		    strstr(line, "is ambiguous"))
			keep_line(RTE_LOG_ERR, line);
}

/* ---- Initialisation --------------------------------------------------- */

static int build_argv(const char *args, char *buf, char **argv, int *argc,
		      char defaults[][96], struct rs_error **err)
{
	*argc = 0;
	argv[(*argc)++] = (char *)"runsc-dpdk";
	int r = dpdk_split_args(args ? args : "", buf, argv, argc,
				MAX_ARGS - 8);
	if (r == -E2BIG)
		return rs_error_set(err, E2BIG,
				    "dpdk: EAL arguments `%s`: more than %d "
				    "words",
				    args, MAX_ARGS - 8);
	if (r < 0)
		return rs_error_set(err, EINVAL,
				    "dpdk: EAL arguments `%s`: unterminated "
				    "quote",
				    args);
	/* EAL stops at "--": what follows is the application's. */
	for (int i = 1; i < *argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return rs_error_set(err, EINVAL,
					    "dpdk: EAL arguments `%s`: `--` "
					    "(no application arguments here)",
					    args);
	int nd = 0;
	static const char *const prefix[] = { "--file-prefix", NULL };
	static const char *const shconf[] = { "--no-shconf", "--proc-type",
					      NULL };
	static const char *const telemetry[] = { "--no-telemetry",
						 "--telemetry", NULL };
	static const char *const cores[] = { "-l", "-c", "--lcores", NULL };
	static const char *const huge[] = { "--no-huge", "-m", "--socket-mem",
					    "--huge-dir", NULL };
	static const char *const level[] = { "--log-level", NULL };
	static unsigned prefix_seq;
	if (!has_opt(argv, *argc, prefix))
		snprintf(defaults[nd++], 96, "--file-prefix=rs%d-%u",
			 (int)getpid(), prefix_seq++);
	if (!has_opt(argv, *argc, shconf))
		snprintf(defaults[nd++], 96, "--no-shconf");
	if (!has_opt(argv, *argc, telemetry))
		snprintf(defaults[nd++], 96, "--no-telemetry");
	if (!has_opt(argv, *argc, cores))
		lcores_arg(defaults[nd++], 96);
	if (!has_opt(argv, *argc, huge) && !machine_has_hugepages()) {
		snprintf(defaults[nd++], 96, "--no-huge");
		snprintf(defaults[nd++], 96, "-m256");
	}
	if (!has_opt(argv, *argc, level))
		snprintf(defaults[nd++], 96, "--log-level=%d",
			 rs_log_enabled(RS_LOG_DEBUG) ? RTE_LOG_DEBUG
						      : RTE_LOG_WARNING);
	for (int i = 0; i < nd; i++)
		argv[(*argc)++] = defaults[i];
	argv[*argc] = NULL;
	return 0;
}

int dpdk_eal_init(const char *args, const char *netns, struct rs_error **err)
{
	const char *text = args ? args : "";
	if (eal.state == EAL_UP) {
		if (args == NULL || strcmp(eal.args, text) == 0)
			return 0;
		return rs_error_set(err, EINVAL,
				    "dpdk: EAL arguments `%s`: EAL is already "
				    "initialised with `%s` (one EAL per "
				    "process: give the arguments once)",
				    text, eal.args);
	}
	if (eal.state == EAL_FAILED)
		return rs_error_set(err, EINVAL,
				    "dpdk: EAL failed to initialise earlier in "
				    "this process (it cannot be retried)");
	char *buf = malloc(strlen(text) + 1);
	char **argv = calloc(MAX_ARGS, sizeof(*argv));
	char(*defaults)[96] = calloc(8, sizeof(*defaults));
	eal.args = strdup(text);
	int r = buf && argv && defaults && eal.args
			? 0
			: rs_error_set(err, ENOMEM, "dpdk: EAL arguments");
	int argc = 0;
	if (r == 0)
		r = build_argv(args, buf, argv, &argc, defaults, err);
	if (r == 0 && log_open() < 0)
		r = rs_error_set(err, ENOMEM, "dpdk: log stream");
	struct drv_netns ns = { -1 };
	if (r == 0)
		r = drv_netns_enter(netns, &ns, err);
	if (r == 0) {
		if (rs_log_enabled(RS_LOG_DEBUG))
			for (int i = 0; i < argc; i++)
				rs_debug("dpdk", "EAL argv[%d] = %s", i,
					 argv[i]);
		log_reset();
		struct capture cap;
		capture_start(&cap);
		/* EAL's getopt starts afresh (it may have run before in
		 * this process, for runsc's own flags). */
		optind = 0;
		/* getopt names a bad option only with opterr set, which
		 * the caller's own parser may have cleared. */
		int saved_opterr = opterr;
		opterr = 1;
		/* The threads EAL starts inherit this mask: they never take
		 * a signal meant for the process (its owner may read them
		 * from a signalfd, blocked in its own thread only). */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int e = rte_eal_init(argc, argv);
		int rte_err = rte_errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		capture_end(&cap);
		optind = 0;
		opterr = saved_opterr;
		/* The syslog socket EAL opened for its log: never used,
		 * ours replaces it. */
		closelog();
		/* Empty with --no-shconf and --no-telemetry: nothing
		 * should stay behind. */
		const char *dir = rte_eal_get_runtime_dir();
		if (dir && *dir)
			rmdir(dir);
		int l = drv_netns_leave(&ns, err);
		if (e < 0) {
			eal.state = EAL_FAILED;
			const char *why = complaint();
			r = rs_error_set(err, rte_err > 0 ? rte_err : EINVAL,
					 "dpdk: EAL arguments `%s`%s%s", text,
					 *why ? ": " : "", why);
		} else {
			eal.state = EAL_UP;
			r = l;
		}
	}
	free(buf);
	free(argv);
	free(defaults);
	if (eal.state != EAL_UP) {
		free(eal.args);
		eal.args = NULL;
	}
	return r;
}

bool drv_dpdk_active(void)
{
	return eal.state == EAL_UP;
}

unsigned dpdk_next_id(void)
{
	return eal.next_id++;
}

bool dpdk_port_claim(uint16_t port)
{
	if (port >= RTE_MAX_ETHPORTS || eal.claimed[port])
		return false;
	eal.claimed[port] = 1;
	return true;
}

void dpdk_port_release(uint16_t port)
{
	if (port < RTE_MAX_ETHPORTS)
		eal.claimed[port] = 0;
}

/* ---- Hot-plugged devices ---------------------------------------------- */

int dpdk_vdev_add(const char *devargs, const char *netns, uint16_t *port,
		  struct rs_error **err)
{
	char name[64];
	size_t len = strcspn(devargs, ",");
	if (len == 0 || len >= sizeof(name))
		return rs_error_set(err, EINVAL, "dpdk: device `%s`: bad name",
				    devargs);
	memcpy(name, devargs, len);
	name[len] = 0;
	uint16_t existing;
	if (rte_eth_dev_get_port_by_name(name, &existing) == 0)
		return rs_error_set(err, EEXIST,
				    "dpdk: device `%s`: a port of that name "
				    "exists already",
				    name);
	struct drv_netns ns;
	int r = drv_netns_enter(netns, &ns, err);
	if (r < 0)
		return r;
	log_reset();
	struct capture cap;
	capture_start(&cap);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = rte_dev_probe(devargs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	capture_end(&cap);
	int l = drv_netns_leave(&ns, err);
	if (r < 0) {
		const char *why = complaint();
		return rs_error_set(err, -r, "dpdk: device `%s`%s%s", devargs,
				    *why ? ": " : "", why);
	}
	if (l < 0) {
		dpdk_vdev_remove(name);
		return l;
	}
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		dpdk_vdev_remove(name);
		return rs_error_set(err, ENODEV,
				    "dpdk: device `%s` probed but made no "
				    "Ethernet port",
				    devargs);
	}
	return 0;
}

void dpdk_vdev_remove(const char *name)
{
	log_reset();
	if (rte_eal_hotplug_remove("vdev", name) < 0)
		rs_debug("dpdk", "remove `%s`: %s", name, complaint());
}

/* ---- What DPDK needs after confinement -------------------------------- */

/* Measured with strace -f on perf/nsd once it served (DPDK's threads
 * and data path are the same in the Sentry): over net_af_packet the
 * data path kicks the kernel with sendto(MSG_DONTWAIT) and EAL's
 * interrupt thread sleeps in epoll_wait (its alarms are a timerfd:
 * read, timerfd_settime); over net_memif the server's interrupt thread
 * accepts a peer that (re)connects, exchanges the control messages and
 * region fds with sendmsg/recvmsg, maps the regions (mmap, munmap),
 * rebuilds its epoll set (epoll_create, epoll_ctl) and closes what a
 * peer left; net_tap reads and writes its queue fds (readv, writev) and
 * asks the link's state with ioctl; net_af_xdp wakes the kernel with
 * sendto/recvfrom and poll. Threads wait on each other with futex. */
static const int dpdk_syscalls[] = {
	SYS_epoll_wait, SYS_epoll_ctl, SYS_epoll_create, SYS_epoll_create1,
	SYS_read,	SYS_write,     SYS_readv,	 SYS_writev,
	SYS_ioctl,	SYS_sendto,    SYS_recvfrom,	 SYS_sendmsg,
	SYS_recvmsg,	SYS_accept,    SYS_poll,	 SYS_timerfd_settime,
	SYS_futex,	SYS_mmap,      SYS_munmap,	 SYS_close,
};

const int *drv_dpdk_confine_syscalls(unsigned *n)
{
	if (eal.state != EAL_UP) {
		*n = 0;
		return NULL;
	}
	*n = sizeof(dpdk_syscalls) / sizeof(dpdk_syscalls[0]);
	return dpdk_syscalls;
}
