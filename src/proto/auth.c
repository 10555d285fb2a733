/* Authentication arithmetic for mysql_native_password and the fast path of
 * caching_sha2_password (OpenSSL's SHA1 and SHA256). See proto.h. */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "core/buf.h"
#include "proto/proto_int.h"

int ms_auth_native_hash_parse(const char *s, size_t n, uint8_t stage2[20])
{
	int hi, lo;
	size_t i;

	if (n != 41 || s[0] != '*')
		return MS_EINVAL;
	for (i = 0; i < 20; i++) {
		hi = ms_hexval(s[1 + 2 * i]);
		lo = ms_hexval(s[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return MS_EINVAL;
		stage2[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void ms_auth_native_hash(const void *pw, size_t n, uint8_t stage1[20],
			 uint8_t stage2[20])
{
	uint8_t s1[SHA_DIGEST_LENGTH];

	SHA1(pw, n, s1);
	if (stage2)
		SHA1(s1, sizeof(s1), stage2);
	if (stage1)
		memcpy(stage1, s1, sizeof(s1));
	OPENSSL_cleanse(s1, sizeof(s1));
}

/* SHA1(<scramble> (20 bytes) || <stage2>) into <out>. */
static void native_mix(const uint8_t *scramble, const uint8_t stage2[20],
		       uint8_t out[20])
{
	uint8_t in[MS_PROTO_SCRAMBLE_LEN + 20];

	memcpy(in, scramble, MS_PROTO_SCRAMBLE_LEN);
	memcpy(in + MS_PROTO_SCRAMBLE_LEN, stage2, 20);
	SHA1(in, sizeof(in), out);
}

bool ms_auth_native_check(const uint8_t stage2[20], const uint8_t *scramble,
			  const uint8_t *reply, size_t reply_len,
			  uint8_t stage1_out[20])
{
	static const uint8_t zero[20];
	uint8_t mix[20], s1[20], s2[20];
	bool ok;
	int i;

	if (reply_len == 0)
		return CRYPTO_memcmp(stage2, zero, 20) == 0;
	if (reply_len != 20)
		return false;
	native_mix(scramble, stage2, mix);
	for (i = 0; i < 20; i++)
		s1[i] = reply[i] ^ mix[i];
	SHA1(s1, sizeof(s1), s2);
	ok = CRYPTO_memcmp(s2, stage2, 20) == 0;
	if (ok && stage1_out)
		memcpy(stage1_out, s1, 20);
	OPENSSL_cleanse(s1, sizeof(s1));
	return ok;
}

void ms_auth_native_reply(const uint8_t stage1[20], const uint8_t *scramble,
			  uint8_t out[20])
{
	uint8_t stage2[20], mix[20];
	int i;

	SHA1(stage1, 20, stage2);
	native_mix(scramble, stage2, mix);
	for (i = 0; i < 20; i++)
		out[i] = stage1[i] ^ mix[i];
}

void ms_auth_sha2_hash(const void *pw, size_t n, uint8_t dbl[32])
{
	uint8_t once[SHA256_DIGEST_LENGTH];

	SHA256(pw, n, once);
	SHA256(once, sizeof(once), dbl);
	OPENSSL_cleanse(once, sizeof(once));
}

bool ms_auth_sha2_check(const uint8_t dbl[32], const uint8_t *scramble,
			const uint8_t *reply, size_t reply_len,
			uint8_t sha_out[32])
{
	uint8_t mix[32], once[32], twice[32];
	uint8_t in[32 + MS_PROTO_SCRAMBLE_LEN];
	bool ok;
	int i;

	if (reply_len != 32)
		return false;
	memcpy(in, dbl, 32);
	memcpy(in + 32, scramble, MS_PROTO_SCRAMBLE_LEN);
	SHA256(in, sizeof(in), mix);
	for (i = 0; i < 32; i++)
		once[i] = reply[i] ^ mix[i];
	SHA256(once, sizeof(once), twice);
	ok = CRYPTO_memcmp(twice, dbl, 32) == 0;
	if (ok && sha_out)
		memcpy(sha_out, once, 32);
	OPENSSL_cleanse(once, sizeof(once));
	return ok;
}
