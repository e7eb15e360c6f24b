/*
 * stun.h: the STUN messages ICE-lite needs (RFC 8489; RFC 8445 section 7.3
 * for the ICE attributes). Pure: no sockets, no state, no allocation, so it
 * is unit-tested and fuzzed alone (fuzz/fuzz_stun.c).
 *
 * A WebRTC UDP port carries STUN, DTLS and SRTP on one socket; RFC 7983
 * section 7 tells them apart by the first byte: 0-3 STUN, 20-63 DTLS,
 * 128-191 RTP/RTCP. vg_stun_is_message() is the STUN test.
 */
#ifndef VG_WEBRTC_STUN_H
#define VG_WEBRTC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define VG_STUN_BINDING_REQUEST 0x0001
#define VG_STUN_BINDING_SUCCESS 0x0101
#define VG_STUN_BINDING_ERROR   0x0111
#define VG_STUN_TXID_LEN        12
#define VG_STUN_HEADER_LEN      20
#define VG_STUN_MAX_MESSAGE     548 /* what we build; RFC 8489 section 6.1 */
#define VG_STUN_USERNAME_MAX    513 /* RFC 5389 section 15.3: < 513 bytes (8489: < 509) */

typedef struct vg_stun_message {
    uint16_t type; /* class and method, e.g. VG_STUN_BINDING_REQUEST */
    uint8_t txid[VG_STUN_TXID_LEN];
    /* USERNAME: a view into the parsed buffer; NULL when absent */
    const uint8_t *username;
    size_t username_len;
    bool has_integrity;   /* MESSAGE-INTEGRITY present (checked by vg_stun_check_integrity) */
    bool has_fingerprint; /* FINGERPRINT present and correct (a wrong one fails the parse) */
    bool use_candidate;   /* USE-CANDIDATE (RFC 8445 section 7.1.2) */
    bool has_priority;
    uint32_t priority;
    bool ice_controlling, ice_controlled; /* ICE-CONTROLLING / ICE-CONTROLLED */
    uint64_t tiebreaker;
    bool has_mapped_address;                /* XOR-MAPPED-ADDRESS, decoded */
    struct sockaddr_storage mapped_address; /* AF_INET or AF_INET6 */
    uint16_t error_code;                    /* ERROR-CODE as 300..699; 0 when absent */
    /* private: where MESSAGE-INTEGRITY starts, for vg_stun_check_integrity() */
    size_t _integrity_offset;
} vg_stun_message;

/*
 * True when `buf` looks like a STUN message: first two bits zero, length a
 * multiple of 4 that matches `len`, the magic cookie 0x2112A442. Cheap; use
 * it to demultiplex a datagram before parsing.
 */
bool vg_stun_is_message(const uint8_t *buf, size_t len);

/*
 * Parses one STUN message of `len` bytes into *out (views point into
 * `buf`). Walks every attribute with bounds checks; ignores unknown
 * comprehension-optional ones (0x8000-0xFFFF) and fails on unknown
 * comprehension-required ones (RFC 8489 section 6.3.1: such a message
 * cannot be processed); attributes after MESSAGE-INTEGRITY other than
 * FINGERPRINT are ignored (RFC 8489 section 14.5). A FINGERPRINT that does
 * not match (CRC-32 of the message XOR 0x5354554E) fails the parse. Returns
 * 0, or VG_ESYNTAX for anything malformed.
 */
int vg_stun_parse(const uint8_t *buf, size_t len, vg_stun_message *out);

/*
 * Checks MESSAGE-INTEGRITY (HMAC-SHA1 over the message up to the attribute,
 * with the header length adjusted as RFC 8489 section 14.5 says) with `key`
 * (for ICE: the password of the side that receives the request, short-term
 * credentials, used as is). `buf`/`len`/`msg` as given to vg_stun_parse().
 * False when absent or wrong. Compares in constant time; copies the signed
 * part of the message to the stack (at most 64 KiB, the 16-bit length's
 * limit).
 */
bool vg_stun_check_integrity(const uint8_t *buf, size_t len, const vg_stun_message *msg,
                             const uint8_t *key, size_t key_len);

/*
 * Writes a Binding success response to the request with `txid`: XOR-MAPPED-
 * ADDRESS of `mapped` (the request's source address), MESSAGE-INTEGRITY with
 * `key`, FINGERPRINT. Returns the length, or 0 when `cap` is too small
 * (VG_STUN_MAX_MESSAGE is always enough).
 */
size_t vg_stun_write_binding_success(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                     const struct sockaddr *mapped, const uint8_t *key,
                                     size_t key_len);

/*
 * Writes a Binding error response (ERROR-CODE `code` with a short reason,
 * e.g. 400 Bad Request, 401 Unauthorized, 487 Role Conflict) and a
 * FINGERPRINT; with MESSAGE-INTEGRITY when `key` is not NULL. Returns the
 * length, or 0 when `cap` is too small.
 */
size_t vg_stun_write_binding_error(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                   uint16_t code, const uint8_t *key, size_t key_len);

/*
 * Writes a Binding request as a full ICE agent in the controlling role
 * sends it (the load client of bench/webrtc): USERNAME `username`
 * ("<remote ufrag>:<local ufrag>"), PRIORITY, ICE-CONTROLLING with
 * `tiebreaker`, USE-CANDIDATE when asked, MESSAGE-INTEGRITY with `key` (the
 * remote password), FINGERPRINT. Returns the length, or 0 when `cap` is
 * too small or the username too long.
 */
size_t vg_stun_write_binding_request(uint8_t *out, size_t cap, const uint8_t txid[VG_STUN_TXID_LEN],
                                     const char *username, uint32_t priority, bool use_candidate,
                                     uint64_t tiebreaker, const uint8_t *key, size_t key_len);

#endif
