/* An interface's transmit features through SIOCETHTOOL (txfeat.h). */
#include "txfeat.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* Feature words asked for: the kernel has about 70 features (its
 * NETDEV_FEATURE_COUNT is below 128) and answers with as many words as it
 * has, at most as many as asked. */
#define FEATURE_WORDS 8

static const char *const feature_names[DRV_FEAT_COUNT] = {
	[DRV_FEAT_CSUM_IPV4] = "tx-checksum-ipv4",
	[DRV_FEAT_CSUM_GENERIC] = "tx-checksum-ip-generic",
	[DRV_FEAT_CSUM_IPV6] = "tx-checksum-ipv6",
	[DRV_FEAT_SG] = "tx-scatter-gather",
	[DRV_FEAT_TSO4] = "tx-tcp-segmentation",
	[DRV_FEAT_TSO6] = "tx-tcp6-segmentation",
};

static int ethtool(int sock, const char *ifname, void *cmd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	size_t len = strnlen(ifname, IFNAMSIZ - 1);
	memcpy(ifr.ifr_name, ifname, len);
	ifr.ifr_data = cmd;
	return ioctl(sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* How many strings the feature set has, or a negative errno. */
static int feature_count(int sock, const char *ifname)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t count;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			    .sset_mask = 1ull << ETH_SS_FEATURES } };
	int r = ethtool(sock, ifname, &info);
	if (r < 0)
		return r;
	/* The kernel clears the bits of sets it does not have. */
	if (!(info.hdr.sset_mask & (1ull << ETH_SS_FEATURES)))
		return -EOPNOTSUPP;
	return info.count <= FEATURE_WORDS * 32 ? (int)info.count : -ERANGE;
}

int drv_featmap_init(int sock, const char *ifname, struct drv_featmap *map)
{
	for (int i = 0; i < DRV_FEAT_COUNT; i++)
		map->bit[i] = -1;
	map->legacy = false;
	int n = feature_count(sock, ifname);
	if (n == -EOPNOTSUPP) {
		map->legacy = true;
		return 0;
	}
	if (n < 0)
		return n;
	struct ethtool_gstrings *s =
		calloc(1, sizeof(*s) + (size_t)n * ETH_GSTRING_LEN);
	if (s == NULL)
		return -ENOMEM;
	s->cmd = ETHTOOL_GSTRINGS;
	s->string_set = ETH_SS_FEATURES;
	s->len = (uint32_t)n;
	int r = ethtool(sock, ifname, s);
	for (int i = 0; r == 0 && i < (int)s->len && i < n; i++) {
		const char *name = (const char *)s->data + i * ETH_GSTRING_LEN;
		for (int f = 0; f < DRV_FEAT_COUNT; f++)
			if (strncmp(name, feature_names[f], ETH_GSTRING_LEN) ==
			    0)
				map->bit[f] = (int16_t)i;
	}
	free(s);
	return r;
}

static int legacy_value(int sock, const char *ifname, uint32_t cmd, bool *on)
{
	struct ethtool_value v = { .cmd = cmd };
	int r = ethtool(sock, ifname, &v);
	if (r == 0)
		*on = v.data != 0;
	return r;
}

/* The legacy operations report a group as on when any of its features is
 * (the kernel's ethtool_get_one_feature): IPv4 and IPv6 are one here. */
static int read_legacy(int sock, const char *ifname, struct drv_txfeat *out)
{
	struct drv_txfeat f = { 0 };
	bool csum = false, tso = false;
	int r = legacy_value(sock, ifname, ETHTOOL_GTXCSUM, &csum);
	if (r == 0)
		r = legacy_value(sock, ifname, ETHTOOL_GSG, &f.sg);
	if (r == 0)
		r = legacy_value(sock, ifname, ETHTOOL_GTSO, &tso);
	if (r < 0)
		return r;
	f.csum4 = f.csum6 = csum;
	f.tso4 = f.tso6 = tso;
	*out = f;
	return 0;
}

int drv_txfeat_read(int sock, const char *ifname, const struct drv_featmap *map,
		    struct drv_txfeat *out)
{
	if (map->legacy)
		return read_legacy(sock, ifname, out);
	struct {
		struct ethtool_gfeatures hdr;
		struct ethtool_get_features_block words[FEATURE_WORDS];
	} g;
	memset(&g, 0, sizeof(g));
	g.hdr.cmd = ETHTOOL_GFEATURES;
	g.hdr.size = FEATURE_WORDS;
	int r = ethtool(sock, ifname, &g);
	if (r < 0)
		return r;
	bool on[DRV_FEAT_COUNT];
	for (int f = 0; f < DRV_FEAT_COUNT; f++) {
		int b = map->bit[f];
		on[f] = b >= 0 && (uint32_t)b / 32 < g.hdr.size &&
			(uint32_t)b / 32 < FEATURE_WORDS &&
			(g.words[b / 32].active >> (b % 32) & 1);
	}
	bool generic = on[DRV_FEAT_CSUM_GENERIC];
	*out = (struct drv_txfeat){
		.csum4 = generic || on[DRV_FEAT_CSUM_IPV4],
		.csum6 = generic || on[DRV_FEAT_CSUM_IPV6],
		.sg = on[DRV_FEAT_SG],
		.tso4 = on[DRV_FEAT_TSO4],
		.tso6 = on[DRV_FEAT_TSO6],
	};
	return 0;
}
