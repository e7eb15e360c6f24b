/*
 * dtls.c: DTLS 1.2 for DTLS-SRTP (RFC 5764) over OpenSSL 3's libssl.
 *
 * DESIGN
 *
 * Datagrams in and out. This module never owns a socket: the session hands
 * it each received DTLS datagram (RFC 7983 section 7: first byte 20-63) and
 * gets datagrams to send through a callback. OpenSSL 3.0 (Debian 12) has no
 * datagram-preserving memory BIO (BIO_s_dgram_pair is 3.2), so the two
 * directions are handled differently:
 *
 *   in:  a plain memory BIO (BIO_s_mem). One datagram is written into it
 *        and the SSL call that follows reads it in full: DTLS always reads
 *        "as much as is there" into its packet buffer (it acts as if
 *        read_ahead were set) and then parses the records of that packet.
 *        Anything left over (a datagram larger than the packet buffer) is
 *        discarded before the next datagram goes in, so two datagrams never
 *        merge. An empty BIO reports "retry" (BIO_set_mem_eof_return -1),
 *        which libssl turns into SSL_ERROR_WANT_READ.
 *   out: a small BIO of our own whose write callback passes each write to
 *        `send` at once, so that a write is a datagram. During the
 *        handshake libssl puts a buffering BIO in front of it and packs the
 *        records of a flight into it while they fit the MTU, flushing (one
 *        write) before the next would not; after it, each record is one
 *        write. A memory BIO would run the datagrams together. libdatachannel
 *        does the same. Nothing stays buffered on our side, so there is
 *        nothing to drain after an SSL call.
 *
 * Records are kept under DTLS_MTU by SSL_set_mtu() (with
 * SSL_OP_NO_QUERY_MTU: there is no socket to ask): handshake messages, the
 * certificate among them, are fragmented to fit (RFC 6347 section 4.2.3).
 *
 * Authentication is by fingerprint, not by CA (RFC 8122 section 5, RFC 8827
 * section 6.5): both sides must present a certificate (SSL_VERIFY_PEER |
 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT), the chain is not checked (self-signed
 * is the norm), and the certificate's SHA-256 must equal the fingerprint
 * from the peer's SDP. The verify callback checks it so that a mismatch
 * aborts the handshake with an alert the peer sees; the check is repeated on
 * the finished handshake so that no code path can skip it. Session
 * resumption and tickets are off: a resumed session would carry no
 * certificate to check.
 */
#include "webrtc/dtls.h"

#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/*
 * The largest DTLS datagram we send: 1200 bytes fits any path once IP, UDP
 * and TURN headers are added (QUIC relies on the same number, RFC 9000
 * section 14). Record payload, not counting UDP/IP.
 */
#define DTLS_MTU 1200

/* A UDP payload is never larger; bigger input is not a datagram. */
#define MAX_DATAGRAM 65535

/* RFC 5764 section 4.2: the exporter label for the SRTP master keys. */
#define SRTP_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

/*
 * The SRTP profiles we offer (client) or accept (server), best first
 * (RFC 5764 section 4.1.1; RFC 7714 section 14.2 for AEAD_AES_128_GCM).
 * Browsers offer both.
 */
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/*
 * ECDHE with AEAD only. RFC 8827 section 6.5 makes
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 the suite every WebRTC endpoint
 * implements; the RSA ones serve a user who brings an RSA certificate.
 */
#define CIPHERS                                                                                    \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                                 \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"

#define CERT_DAYS_BACK 1    /* notBefore: yesterday, so a slow peer clock still accepts it */
#define CERT_DAYS      3652 /* 10 years from notBefore */
#define ERROR_LEN      200

static const char fingerprint_mismatch[] = "certificate fingerprint does not match the SDP";

struct vg_dtls_identity {
    SSL_CTX *ctx; /* holds the certificate and key; shared by every vg_dtls */
    char fingerprint[VG_DTLS_FINGERPRINT_SIZE];
};

struct vg_dtls {
    SSL *ssl;
    BIO *rbio; /* owned by ssl */
    bool server;
    vg_dtls_state state;
    /* the peer's fingerprint from its SDP; empty when it gave none (nothing matches) */
    char remote_fingerprint[VG_DTLS_FINGERPRINT_SIZE];
    bool fingerprint_mismatch; /* set by the verify callback */
    vg_dtls_send_fn send;
    void *send_ctx;
    char error[ERROR_LEN];
};

/*
 * Formats a message into `err`, followed by OpenSSL's reason for the most
 * recent failure, if it left one, and clears OpenSSL's error queue.
 */
static void set_error(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t cap, const char *fmt, ...)
{
    unsigned long e = ERR_peek_last_error();
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err, cap, fmt, ap);
        va_end(ap);
        const char *reason = e ? ERR_reason_error_string(e) : NULL;
        if (reason && n >= 0 && (size_t)n < cap)
            snprintf(err + n, cap - (size_t)n, " (%s)", reason);
    }
    ERR_clear_error();
}

/* SHA-256 of the DER certificate as upper-case hex pairs joined by ':' (RFC 8122 section 5). */
static int certificate_fingerprint(X509 *cert, char out[VG_DTLS_FINGERPRINT_SIZE])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!X509_digest(cert, EVP_sha256(), md, &md_len) || md_len != 32)
        return VG_EIO;
    for (unsigned int i = 0; i < md_len; i++) {
        out[3 * i] = hex[md[i] >> 4];
        out[3 * i + 1] = hex[md[i] & 15];
        out[3 * i + 2] = i + 1 < md_len ? ':' : '\0';
    }
    return 0;
}

/* ---- the identity: files ---- */

/* Never prompt on the terminal for a passphrase: encrypted keys fail to load. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return 0;
}

/* *exists is whether `path` exists; VG_EIO when that cannot be told (EACCES on the directory). */
static int path_exists(const char *path, bool *exists, char *err, size_t cap)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        *exists = true;
        return 0;
    }
    if (errno == ENOENT) {
        *exists = false;
        return 0;
    }
    set_error(err, cap, "dtls: cannot stat %s: %s", path, strerror(errno));
    return VG_EIO;
}

static int load_files(const char *cert_path, const char *key_path, X509 **cert_out,
                      EVP_PKEY **key_out, char *err, size_t cap)
{
    int rc = VG_EIO;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    FILE *f = NULL;

    ERR_clear_error();
    if (!(f = fopen(cert_path, "r"))) {
        set_error(err, cap, "dtls: cannot open %s: %s", cert_path, strerror(errno));
        goto fail;
    }
    cert = PEM_read_X509(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (!cert) {
        set_error(err, cap, "dtls: %s is not a PEM certificate", cert_path);
        goto fail;
    }
    if (!(f = fopen(key_path, "r"))) {
        set_error(err, cap, "dtls: cannot open %s: %s", key_path, strerror(errno));
        goto fail;
    }
    key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (!key) {
        set_error(err, cap, "dtls: %s is not a PEM private key (encrypted keys are not supported)",
                  key_path);
        goto fail;
    }
    if (X509_check_private_key(cert, key) != 1) {
        set_error(err, cap, "dtls: the key in %s does not match the certificate in %s", key_path,
                  cert_path);
        goto fail;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        VG_LOG_WARN("dtls",
                    "the certificate has expired; delete both files to make a new one "
                    "cert=%s key=%s",
                    cert_path, key_path);
    *cert_out = cert;
    *key_out = key;
    return 0;

fail:
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* fsync()s the directory holding `path`, so that a rename into it is durable. */
static void sync_parent_directory(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

/*
 * Writes `len` bytes to `path` through a temporary file beside it (fsync,
 * then rename), so that a crash leaves either no file or a whole one.
 */
static int write_file_atomically(const char *path, const void *data, size_t len, mode_t mode,
                                 char *err, size_t cap)
{
    size_t tmp_len = strlen(path) + sizeof(".XXXXXX");
    char *tmp = malloc(tmp_len);
    if (!tmp) {
        set_error(err, cap, "dtls: out of memory");
        return VG_EIO;
    }
    snprintf(tmp, tmp_len, "%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 until fchmod */
    if (fd < 0) {
        set_error(err, cap, "dtls: cannot create a file beside %s: %s", path, strerror(errno));
        free(tmp);
        return VG_EIO;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* a key must not leak into a child */
    const char *p = data;
    size_t left = len;
    int saved = 0;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            saved = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (!saved && fchmod(fd, mode) < 0)
        saved = errno;
    if (!saved && fsync(fd) < 0)
        saved = errno;
    if (close(fd) < 0 && !saved)
        saved = errno;
    if (!saved && rename(tmp, path) < 0)
        saved = errno;
    if (saved) {
        unlink(tmp);
        set_error(err, cap, "dtls: cannot write %s: %s", path, strerror(saved));
        free(tmp);
        return VG_EIO;
    }
    free(tmp);
    sync_parent_directory(path);
    return 0;
}

/* PEM text of the key (secure memory: cleared when freed) or the certificate into a BIO. */
static BIO *pem_of(X509 *cert, EVP_PKEY *key)
{
    BIO *bio = BIO_new(key ? BIO_s_secmem() : BIO_s_mem());
    if (!bio)
        return NULL;
    int ok = key ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
                 : PEM_write_bio_X509(bio, cert);
    if (!ok) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

/*
 * Writes the key (mode 0600) and then the certificate (0644). If the
 * certificate cannot be written the key is removed again: one file without
 * the other would stop the next start.
 */
static int save_files(const char *cert_path, const char *key_path, X509 *cert, EVP_PKEY *key,
                      char *err, size_t cap)
{
    int rc = VG_EIO;
    BIO *key_pem = pem_of(NULL, key);
    BIO *cert_pem = pem_of(cert, NULL);
    char *p;
    long len;
    if (!key_pem || !cert_pem) {
        set_error(err, cap, "dtls: cannot encode the certificate or key as PEM");
        goto done;
    }
    len = BIO_get_mem_data(key_pem, &p);
    if ((rc = write_file_atomically(key_path, p, (size_t)len, 0600, err, cap)) < 0)
        goto done;
    len = BIO_get_mem_data(cert_pem, &p);
    if ((rc = write_file_atomically(cert_path, p, (size_t)len, 0644, err, cap)) < 0) {
        unlink(key_path);
        goto done;
    }
    rc = 0;
done:
    BIO_free(key_pem);
    BIO_free(cert_pem);
    return rc;
}

/* ---- the identity: a new key and certificate ---- */

/*
 * A self-signed X.509 v3 certificate for `key`: CN "vigil", a random
 * positive 64-bit serial (RFC 5280 section 4.1.2.2), valid from yesterday
 * for 10 years, signed with SHA-256. Peers check only its fingerprint.
 */
static X509 *make_certificate(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    BIGNUM *serial = BN_new();
    if (!cert || !serial)
        goto fail;
    if (!X509_set_version(cert, X509_VERSION_3) ||
        /* odd, so never zero */
        !BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ODD) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -(long)CERT_DAYS_BACK * 24 * 3600) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert), CERT_DAYS - CERT_DAYS_BACK, 0, NULL))
        goto fail;
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vigil", -1,
                                    -1, 0) ||
        !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key) ||
        !X509_sign(cert, key, EVP_sha256()))
        goto fail;
    BN_free(serial);
    return cert;
fail:
    BN_free(serial);
    X509_free(cert);
    return NULL;
}

/* ---- the identity: the SSL_CTX ---- */

static int verify_peer(int preverify_ok, X509_STORE_CTX *store);

static SSL_CTX *make_context(X509 *cert, EVP_PKEY *key, char *err, size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (!ctx) {
        set_error(err, cap, "dtls: cannot create the SSL context");
        return NULL;
    }
    /* RFC 8827 section 6.5: DTLS 1.2 or later. */
    if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_use_certificate(ctx, cert) || !SSL_CTX_use_PrivateKey(ctx, key) ||
        !SSL_CTX_check_private_key(ctx) || !SSL_CTX_set_cipher_list(ctx, CIPHERS) ||
        /* inverted: 0 is success */
        SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) != 0) {
        set_error(err, cap, "dtls: cannot configure the SSL context");
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    return ctx;
}

int vg_dtls_identity_load_or_create(const char *cert_path, const char *key_path,
                                    vg_dtls_identity **out, char *err, size_t err_cap)
{
    int rc = VG_EIO;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    vg_dtls_identity *id = NULL;
    bool on_disk = cert_path || key_path, cert_exists = false, key_exists = false;

    *out = NULL;
    ERR_clear_error();
    if (on_disk && (!cert_path || !key_path)) {
        set_error(err, err_cap, "dtls: a certificate path needs a key path and the reverse");
        return VG_EINVAL;
    }
    if (on_disk && ((rc = path_exists(cert_path, &cert_exists, err, err_cap)) < 0 ||
                    (rc = path_exists(key_path, &key_exists, err, err_cap)) < 0))
        goto fail;
    rc = VG_EIO;
    if (cert_exists != key_exists) {
        /* Not ours to repair: the user may have put one of them there. */
        set_error(err, err_cap,
                  "dtls: %s exists but %s does not; restore it, or delete %s to make a new "
                  "certificate",
                  cert_exists ? cert_path : key_path, cert_exists ? key_path : cert_path,
                  cert_exists ? cert_path : key_path);
        goto fail;
    }
    if (cert_exists) {
        if ((rc = load_files(cert_path, key_path, &cert, &key, err, err_cap)) < 0)
            goto fail;
    } else {
        /* RFC 8827 section 6.5: ECDSA over P-256 is what every endpoint supports. */
        if (!(key = EVP_EC_gen("P-256")) || !(cert = make_certificate(key))) {
            set_error(err, err_cap, "dtls: cannot make a key and certificate");
            goto fail;
        }
        if (on_disk && (rc = save_files(cert_path, key_path, cert, key, err, err_cap)) < 0)
            goto fail;
        rc = VG_EIO;
    }

    if (!(id = calloc(1, sizeof(*id)))) {
        set_error(err, err_cap, "dtls: out of memory");
        goto fail;
    }
    if (certificate_fingerprint(cert, id->fingerprint) < 0) {
        set_error(err, err_cap, "dtls: cannot hash the certificate");
        goto fail;
    }
    if (!(id->ctx = make_context(cert, key, err, err_cap)))
        goto fail;
    if (on_disk && !cert_exists)
        VG_LOG_INFO("dtls", "made a new certificate cert=%s key=%s fingerprint=%s", cert_path,
                    key_path, id->fingerprint);
    X509_free(cert); /* the SSL_CTX holds its own references */
    EVP_PKEY_free(key);
    *out = id;
    return 0;

fail:
    vg_dtls_identity_free(id);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void vg_dtls_identity_free(vg_dtls_identity *id)
{
    if (!id)
        return;
    SSL_CTX_free(id->ctx);
    free(id);
}

const char *vg_dtls_identity_fingerprint(const vg_dtls_identity *id)
{
    return id->fingerprint;
}

/* ---- the outgoing BIO ---- */

static int datagram_write(BIO *bio, const char *data, int len)
{
    vg_dtls *d = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (len > 0)
        d->send(d->send_ctx, (const uint8_t *)data, (size_t)len);
    return len;
}

static long datagram_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* everything went out in datagram_write */
    case BIO_CTRL_DGRAM_QUERY_MTU:
        return DTLS_MTU;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: /* the MTU we set is already the payload's */
    default:
        return 0;
    }
}

static BIO_METHOD *datagram_method;
static pthread_once_t datagram_method_once = PTHREAD_ONCE_INIT;

/* Made once and kept for the life of the process. */
static void make_datagram_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "vigil datagram");
    if (m && (!BIO_meth_set_write(m, datagram_write) || !BIO_meth_set_ctrl(m, datagram_ctrl))) {
        BIO_meth_free(m);
        m = NULL;
    }
    datagram_method = m;
}

/* ---- a connection ---- */

static bool fingerprint_matches(const vg_dtls *d, X509 *cert)
{
    char fp[VG_DTLS_FINGERPRINT_SIZE];
    return d->remote_fingerprint[0] && certificate_fingerprint(cert, fp) == 0 &&
           strcasecmp(fp, d->remote_fingerprint) == 0;
}

/*
 * Any certificate chain is fine (there is no CA, the certificate is
 * self-signed), but the peer's own certificate must be the one its SDP
 * named (RFC 8122 section 5). libssl calls this once per certificate and
 * error; the check is on the leaf every time.
 */
static int verify_peer(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    vg_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    if (!d || !leaf || !fingerprint_matches(d, leaf)) {
        if (d)
            d->fingerprint_mismatch = true;
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    return 1;
}

vg_dtls *vg_dtls_create(vg_dtls_identity *id, bool server, const char *remote_fingerprint,
                        vg_dtls_send_fn send, void *ctx)
{
    vg_dtls *d = NULL;
    BIO *rbio = NULL, *wbio = NULL;

    pthread_once(&datagram_method_once, make_datagram_method);
    if (!datagram_method || !(d = calloc(1, sizeof(*d))))
        goto fail;
    d->server = server;
    d->state = VG_DTLS_HANDSHAKING;
    d->send = send;
    d->send_ctx = ctx;
    /* A fingerprint too long to be SHA-256 is left empty: it would never match. */
    if (remote_fingerprint && strlen(remote_fingerprint) < sizeof(d->remote_fingerprint))
        strcpy(d->remote_fingerprint, remote_fingerprint);

    if (!(d->ssl = SSL_new(id->ctx)) || !(rbio = BIO_new(BIO_s_mem())) ||
        !(wbio = BIO_new(datagram_method)))
        goto fail;
    BIO_set_mem_eof_return(rbio, -1); /* empty: "retry", not end of file */
    BIO_set_data(wbio, d);
    BIO_set_init(wbio, 1);
    SSL_set_bio(d->ssl, rbio, wbio); /* the SSL owns both now */
    d->rbio = rbio;
    rbio = wbio = NULL;
    SSL_set_app_data(d->ssl, d);
    /* After SSL_set_bio: the smallest MTU allowed depends on the BIO's overhead. */
    if (SSL_set_mtu(d->ssl, DTLS_MTU) <= 0) /* returns the MTU it set */
        goto fail;
    if (server)
        SSL_set_accept_state(d->ssl);
    else
        SSL_set_connect_state(d->ssl);
    return d;

fail:
    BIO_free(rbio);
    BIO_free(wbio);
    vg_dtls_destroy(d);
    ERR_clear_error();
    return NULL;
}

void vg_dtls_destroy(vg_dtls *d)
{
    if (!d)
        return;
    SSL_free(d->ssl);
    free(d);
}

/* The connection is dead: say why, from the fingerprint check or OpenSSL's error queue. */
static void fail(vg_dtls *d, const char *what)
{
    d->state = VG_DTLS_FAILED;
    if (d->fingerprint_mismatch) {
        snprintf(d->error, sizeof(d->error), "%s", fingerprint_mismatch);
        ERR_clear_error();
    } else {
        set_error(d->error, sizeof(d->error), "%s", what);
    }
}

/*
 * Reads what arrives after the handshake. There are no data channels, so
 * application data is dropped; reading still matters, because it is how
 * libssl sees close_notify, a fatal alert, or a peer's retransmitted final
 * flight (which it answers by resending ours, RFC 6347 section 4.2.4).
 */
static void read_after_handshake(vg_dtls *d)
{
    uint8_t buf[2048];
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(d->ssl, buf, sizeof(buf));
        if (n > 0)
            continue;
        switch (SSL_get_error(d->ssl, n)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return;
        case SSL_ERROR_ZERO_RETURN:
            d->state = VG_DTLS_CLOSED;
            return;
        default:
            fail(d, "DTLS connection failed");
            return;
        }
    }
}

static void handshake_done(vg_dtls *d)
{
    /* The verify callback already checked; this makes sure no path skipped it. */
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    if (!peer || !fingerprint_matches(d, peer)) {
        d->fingerprint_mismatch = true;
        fail(d, fingerprint_mismatch);
        return;
    }
    /* RFC 5764 section 4.1.1: without use_srtp there are no SRTP keys; WebRTC requires it. */
    if (!SSL_get_selected_srtp_profile(d->ssl)) {
        snprintf(d->error, sizeof(d->error),
                 "the peer did not negotiate an SRTP profile (use_srtp)");
        d->state = VG_DTLS_FAILED;
        return;
    }
    d->state = VG_DTLS_CONNECTED;
    /* Records that came in the same datagram as the peer's Finished. */
    read_after_handshake(d);
}

static void handshake(vg_dtls *d)
{
    ERR_clear_error();
    int r = SSL_do_handshake(d->ssl);
    if (r == 1) {
        handshake_done(d);
        return;
    }
    switch (SSL_get_error(d->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return;
    default:
        fail(d, "DTLS handshake failed");
    }
}

void vg_dtls_start(vg_dtls *d)
{
    if (!d->server && d->state == VG_DTLS_HANDSHAKING)
        handshake(d);
}

vg_dtls_state vg_dtls_input(vg_dtls *d, const uint8_t *data, size_t len)
{
    if (d->state == VG_DTLS_FAILED || d->state == VG_DTLS_CLOSED || len == 0 || len > MAX_DATAGRAM)
        return d->state;
    if (BIO_write(d->rbio, data, (int)len) != (int)len) {
        (void)BIO_reset(d->rbio);
        return d->state; /* out of memory: as if the datagram was lost */
    }
    if (d->state == VG_DTLS_HANDSHAKING)
        handshake(d);
    else
        read_after_handshake(d);
    /* One datagram at a time (see DESIGN): never let its rest run into the next. */
    if (BIO_ctrl_pending(d->rbio) > 0)
        (void)BIO_reset(d->rbio);
    return d->state;
}

vg_dtls_state vg_dtls_state_get(const vg_dtls *d)
{
    return d->state;
}

const char *vg_dtls_error(const vg_dtls *d)
{
    return d->error[0] ? d->error : "no error";
}

/*
 * libssl's timer follows RFC 6347 section 4.2.4.1: 1 second at first,
 * doubled on each expiry, at most 60 seconds; after 12 expiries it gives
 * up. It runs only while a flight of ours awaits an answer.
 */
int64_t vg_dtls_timeout_ms(vg_dtls *d)
{
    struct timeval tv;
    if (d->state != VG_DTLS_HANDSHAKING || DTLSv1_get_timeout(d->ssl, &tv) != 1)
        return -1;
    return (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

void vg_dtls_on_timeout(vg_dtls *d)
{
    if (d->state != VG_DTLS_HANDSHAKING)
        return;
    ERR_clear_error();
    /* Resends the last flight if the timer has expired; does nothing if not. */
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        fail(d, "DTLS handshake timed out");
        return;
    }
    ERR_clear_error();
}

int vg_dtls_srtp_keys(vg_dtls *d, vg_srtp_profile *profile, uint8_t local_key[16],
                      uint8_t local_salt[14], uint8_t remote_key[16], uint8_t remote_salt[14])
{
    if (d->state != VG_DTLS_CONNECTED)
        return VG_ESTATE;
    const SRTP_PROTECTION_PROFILE *selected = SSL_get_selected_srtp_profile(d->ssl);
    if (!selected)
        return VG_EIO;
    vg_srtp_profile p;
    switch (selected->id) {
    case SRTP_AES128_CM_SHA1_80:
        p = VG_SRTP_AES128_CM_SHA1_80;
        break;
    case SRTP_AEAD_AES_128_GCM:
        p = VG_SRTP_AEAD_AES_128_GCM;
        break;
    default:
        return VG_EIO; /* we offered no other */
    }
    size_t key_len = vg_srtp_key_len(p), salt_len = vg_srtp_salt_len(p);
    uint8_t material[2 * (16 + 14)];
    ERR_clear_error();
    if (SSL_export_keying_material(d->ssl, material, 2 * (key_len + salt_len), SRTP_EXPORTER_LABEL,
                                   strlen(SRTP_EXPORTER_LABEL), NULL, 0, 0) != 1) {
        ERR_clear_error();
        return VG_EIO;
    }
    /*
     * RFC 5764 section 4.2: client_write_SRTP_master_key,
     * server_write_SRTP_master_key, client_write_SRTP_master_salt,
     * server_write_SRTP_master_salt. What a side writes is what it sends.
     */
    const uint8_t *client_key = material, *server_key = material + key_len;
    const uint8_t *client_salt = material + 2 * key_len;
    const uint8_t *server_salt = client_salt + salt_len;
    memcpy(local_key, d->server ? server_key : client_key, key_len);
    memcpy(local_salt, d->server ? server_salt : client_salt, salt_len);
    memcpy(remote_key, d->server ? client_key : server_key, key_len);
    memcpy(remote_salt, d->server ? client_salt : server_salt, salt_len);
    OPENSSL_cleanse(material, sizeof(material));
    *profile = p;
    return 0;
}

void vg_dtls_close(vg_dtls *d)
{
    if (d->state == VG_DTLS_CONNECTED) {
        ERR_clear_error();
        (void)SSL_shutdown(d->ssl); /* sends close_notify; we do not wait for the peer's */
        ERR_clear_error();
    }
    if (d->state != VG_DTLS_FAILED)
        d->state = VG_DTLS_CLOSED;
}
