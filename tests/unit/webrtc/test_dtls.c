/*
 * Unit tests for webrtc/dtls.c: a client and a server vg_dtls wired to each
 * other through queues of datagrams (no sockets), the SRTP keys they export
 * used with webrtc/srtp.c, lost flights, garbage, and the identity files.
 * The .c is included so that a test can reach the SSL object: to offer one
 * SRTP profile only, and to shorten the retransmission timer.
 */
#include "webrtc/dtls.c"

#include "core/error.h"
#include "vg_test.h"
#include "webrtc/srtp.h"

#include <ctype.h>
#include <sys/stat.h>
#include <time.h>

#define QUEUE_SIZE 64

/* The datagrams one side sent and the other has not read yet. */
typedef struct queue {
    uint8_t data[QUEUE_SIZE][DTLS_MTU];
    size_t len[QUEUE_SIZE];
    int head, count;
    int drop_next;  /* datagrams still to lose */
    int dropped;    /* datagrams lost so far */
    int sent;       /* datagrams sent in all */
    size_t largest; /* the largest datagram sent */
    int overflow;   /* datagrams that did not fit (too many or too large) */
} queue;

static void queue_send(void *ctx, const uint8_t *data, size_t len)
{
    queue *q = ctx;
    q->sent++;
    if (len > q->largest)
        q->largest = len;
    if (q->drop_next > 0) {
        q->drop_next--;
        q->dropped++;
        return;
    }
    if (q->count == QUEUE_SIZE || len > DTLS_MTU) {
        q->overflow++;
        return;
    }
    int i = (q->head + q->count) % QUEUE_SIZE;
    memcpy(q->data[i], data, len);
    q->len[i] = len;
    q->count++;
}

/* Delivers every queued datagram to `to`; returns how many. */
static int queue_deliver(queue *q, vg_dtls *to)
{
    int n = 0;
    while (q->count > 0) {
        uint8_t copy[DTLS_MTU];
        size_t len = q->len[q->head];
        memcpy(copy, q->data[q->head], len);
        q->head = (q->head + 1) % QUEUE_SIZE;
        q->count--;
        vg_dtls_input(to, copy, len);
        n++;
    }
    return n;
}

/* Two identities and a connection between them. */
typedef struct pair {
    vg_dtls_identity *client_id, *server_id;
    vg_dtls *client, *server;
    queue to_client, to_server;
} pair;

static vg_dtls_identity *memory_identity(void)
{
    char err[256] = "";
    vg_dtls_identity *id = NULL;
    int rc = vg_dtls_identity_load_or_create(NULL, NULL, &id, err, sizeof(err));
    CHECK_INT_EQ(rc, 0);
    if (rc < 0)
        fprintf(stderr, "  %s\n", err);
    return id;
}

/*
 * The fingerprints each side expects of the other; NULL means the right
 * one. The pair is allocated: its queues are too large for the stack.
 */
static pair *pair_new(const char *client_expects, const char *server_expects)
{
    pair *p = calloc(1, sizeof(*p));
    p->client_id = memory_identity();
    p->server_id = memory_identity();
    p->server =
        vg_dtls_create(p->server_id, true,
                       server_expects ? server_expects : vg_dtls_identity_fingerprint(p->client_id),
                       queue_send, &p->to_client);
    p->client =
        vg_dtls_create(p->client_id, false,
                       client_expects ? client_expects : vg_dtls_identity_fingerprint(p->server_id),
                       queue_send, &p->to_server);
    CHECK(p->server && p->client);
    return p;
}

static void pair_free(pair *p)
{
    vg_dtls_destroy(p->client);
    vg_dtls_destroy(p->server);
    vg_dtls_identity_free(p->client_id);
    vg_dtls_identity_free(p->server_id);
    free(p);
}

/* Moves datagrams both ways until neither side has anything more to say. */
static void pump(pair *p)
{
    for (int round = 0; round < 20; round++) {
        int n = queue_deliver(&p->to_server, p->server);
        n += queue_deliver(&p->to_client, p->client);
        if (n == 0)
            return;
    }
}

static bool both_connected(const pair *p)
{
    return vg_dtls_state_get(p->client) == VG_DTLS_CONNECTED &&
           vg_dtls_state_get(p->server) == VG_DTLS_CONNECTED;
}

static void check_fingerprint_format(const char *fp)
{
    CHECK_INT_EQ(strlen(fp), 95);
    for (int i = 0; i < 95; i++) {
        if (i % 3 == 2)
            CHECK(fp[i] == ':');
        else
            CHECK(isxdigit((unsigned char)fp[i]) && !islower((unsigned char)fp[i]));
    }
}

/* The keys each side exported: what one sends with, the other receives with. */
typedef struct keys {
    vg_srtp_profile profile;
    uint8_t local_key[16], local_salt[14], remote_key[16], remote_salt[14];
} keys;

static void export_keys(vg_dtls *d, keys *k)
{
    memset(k, 0, sizeof(*k));
    CHECK_INT_EQ(vg_dtls_srtp_keys(d, &k->profile, k->local_key, k->local_salt, k->remote_key,
                                   k->remote_salt),
                 0);
}

static void check_keys_cross(const keys *c, const keys *s)
{
    CHECK_INT_EQ(c->profile, s->profile);
    size_t salt_len = vg_srtp_salt_len(c->profile);
    CHECK(memcmp(c->local_key, s->remote_key, 16) == 0);
    CHECK(memcmp(c->local_salt, s->remote_salt, salt_len) == 0);
    CHECK(memcmp(c->remote_key, s->local_key, 16) == 0);
    CHECK(memcmp(c->remote_salt, s->local_salt, salt_len) == 0);
    /* Each direction has its own key (RFC 5764 section 4.2). */
    CHECK(memcmp(c->local_key, c->remote_key, 16) != 0);
}

/* An RTP packet (RFC 3550 section 5.1): V=2, PT 96, then `payload_len` bytes of a pattern. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload_len)
{
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    uint32_t ts = 90000u + seq * 3000u;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload_len; i++)
        buf[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload_len;
}

/* Media sent with one side's local keys decrypts with the other's remote keys, both ways. */
static void check_srtp_between(const keys *a, const keys *b)
{
    vg_srtp *a_out = vg_srtp_create(a->profile, a->local_key, a->local_salt, true);
    vg_srtp *b_in = vg_srtp_create(b->profile, b->remote_key, b->remote_salt, false);
    vg_srtp *b_out = vg_srtp_create(b->profile, b->local_key, b->local_salt, true);
    vg_srtp *a_in = vg_srtp_create(a->profile, a->remote_key, a->remote_salt, false);
    CHECK(a_out && b_in && b_out && a_in);
    if (!a_out || !b_in || !b_out || !a_in)
        goto done;
    for (uint16_t seq = 1; seq <= 3; seq++) {
        uint8_t plain[300], buf[300 + VG_SRTP_MAX_OVERHEAD];
        size_t plain_len = make_rtp(plain, seq, 0x1234, 200);
        memcpy(buf, plain, plain_len);
        size_t len = plain_len;
        CHECK_INT_EQ(vg_srtp_protect_rtp(a_out, buf, &len, sizeof(buf)), 0);
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(b_in, buf, &len), 0);
        CHECK(len == plain_len && memcmp(buf, plain, len) == 0);

        memcpy(buf, plain, plain_len);
        len = plain_len;
        CHECK_INT_EQ(vg_srtp_protect_rtp(b_out, buf, &len, sizeof(buf)), 0);
        CHECK_INT_EQ(vg_srtp_unprotect_rtp(a_in, buf, &len), 0);
        CHECK(len == plain_len && memcmp(buf, plain, len) == 0);
    }
    /* A side cannot read its own media with its receive keys: the directions differ. */
    uint8_t buf[300 + VG_SRTP_MAX_OVERHEAD];
    size_t len = make_rtp(buf, 10, 0x1234, 200);
    CHECK_INT_EQ(vg_srtp_protect_rtp(a_out, buf, &len, sizeof(buf)), 0);
    CHECK_INT_EQ(vg_srtp_unprotect_rtp(a_in, buf, &len), VG_EIO);
done:
    vg_srtp_destroy(a_out);
    vg_srtp_destroy(b_in);
    vg_srtp_destroy(b_out);
    vg_srtp_destroy(a_in);
}

static void test_handshake(void)
{
    pair *p = pair_new(NULL, NULL);
    check_fingerprint_format(vg_dtls_identity_fingerprint(p->client_id));
    CHECK(strcmp(vg_dtls_identity_fingerprint(p->client_id),
                 vg_dtls_identity_fingerprint(p->server_id)) != 0);

    /* A server speaks only when spoken to. */
    vg_dtls_start(p->server);
    CHECK_INT_EQ(p->to_client.sent, 0);
    CHECK_INT_EQ(vg_dtls_timeout_ms(p->server), -1);

    vg_dtls_start(p->client);
    CHECK_INT_EQ(p->to_server.count, 1); /* the ClientHello */
    /* RFC 6347 section 4.2.4.1: the first retransmission after a second. */
    int64_t t = vg_dtls_timeout_ms(p->client);
    CHECK(t > 900 && t <= 1000);

    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_CONNECTED);
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_CONNECTED);
    CHECK_INT_EQ(vg_dtls_timeout_ms(p->client), -1);
    CHECK_INT_EQ(vg_dtls_timeout_ms(p->server), -1);
    /* Every datagram fits the MTU, the certificate flight included. */
    CHECK(p->to_client.largest <= DTLS_MTU && p->to_server.largest <= DTLS_MTU);
    CHECK_INT_EQ(p->to_client.overflow + p->to_server.overflow, 0);
    CHECK_STR_EQ(vg_dtls_error(p->client), "no error");

    /* The server prefers AEAD_AES_128_GCM, and both offer it. */
    keys c, s;
    export_keys(p->client, &c);
    export_keys(p->server, &s);
    CHECK_INT_EQ(c.profile, VG_SRTP_AEAD_AES_128_GCM);
    check_keys_cross(&c, &s);
    check_srtp_between(&c, &s);

    /* Application data is read and dropped; the connection stays up. */
    ERR_clear_error();
    CHECK_INT_EQ(SSL_write(p->client->ssl, "hello", 5), 5);
    pump(p);
    CHECK(both_connected(p));

    /* close_notify reaches the peer. */
    vg_dtls_close(p->client);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_CLOSED);
    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_CLOSED);
    keys k;
    CHECK_INT_EQ(vg_dtls_srtp_keys(p->server, &k.profile, k.local_key, k.local_salt, k.remote_key,
                                   k.remote_salt),
                 VG_ESTATE);
    pair_free(p);
}

/* A client that offers SRTP_AES128_CM_HMAC_SHA1_80 only gets it (what older peers do). */
static void test_profile_aes_cm(void)
{
    pair *p = pair_new(NULL, NULL);
    CHECK_INT_EQ(SSL_set_tlsext_use_srtp(p->client->ssl, "SRTP_AES128_CM_SHA1_80"), 0);
    vg_dtls_start(p->client);
    pump(p);
    CHECK(both_connected(p));
    keys c, s;
    export_keys(p->client, &c);
    export_keys(p->server, &s);
    CHECK_INT_EQ(c.profile, VG_SRTP_AES128_CM_SHA1_80);
    check_keys_cross(&c, &s);
    check_srtp_between(&c, &s);
    pair_free(p);
}

/* A client that offers no SRTP profile: the handshake may finish, but there are no keys. */
static void test_no_srtp(void)
{
    pair *p = pair_new(NULL, NULL);
    SSL_set_options(p->client->ssl, SSL_OP_NO_TICKET);
    /* An empty list is refused; a profile the server does not have leaves none selected. */
    CHECK_INT_EQ(SSL_set_tlsext_use_srtp(p->client->ssl, "SRTP_AES128_CM_SHA1_32"), 0);
    vg_dtls_start(p->client);
    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_FAILED);
    CHECK(strstr(vg_dtls_error(p->server), "SRTP") != NULL);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_FAILED);
    CHECK(strstr(vg_dtls_error(p->client), "SRTP") != NULL);
    pair_free(p);
}

static void test_fingerprint_case_insensitive(void)
{
    pair *p = calloc(1, sizeof(*p));
    p->server_id = memory_identity();
    p->client_id = memory_identity();
    char lower[VG_DTLS_FINGERPRINT_SIZE];
    snprintf(lower, sizeof(lower), "%s", vg_dtls_identity_fingerprint(p->server_id));
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    p->server = vg_dtls_create(p->server_id, true, vg_dtls_identity_fingerprint(p->client_id),
                               queue_send, &p->to_client);
    p->client = vg_dtls_create(p->client_id, false, lower, queue_send, &p->to_server);
    vg_dtls_start(p->client);
    pump(p);
    CHECK(both_connected(p));
    pair_free(p);
}

/* RFC 8122 section 5: a certificate other than the SDP's ends the connection. */
static void test_wrong_fingerprint(void)
{
    vg_dtls_identity *other = memory_identity();

    /* The client finds the server's certificate wrong. */
    pair *p = pair_new(vg_dtls_identity_fingerprint(other), NULL);
    vg_dtls_start(p->client);
    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_FAILED);
    CHECK_STR_EQ(vg_dtls_error(p->client), "certificate fingerprint does not match the SDP");
    /* The client's alert ends the server's handshake too. */
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_FAILED);
    CHECK_INT_EQ(vg_dtls_timeout_ms(p->client), -1);
    keys k;
    CHECK_INT_EQ(vg_dtls_srtp_keys(p->client, &k.profile, k.local_key, k.local_salt, k.remote_key,
                                   k.remote_salt),
                 VG_ESTATE);
    /* A failed connection ignores what comes next. */
    CHECK_INT_EQ(vg_dtls_input(p->client, (const uint8_t *)"\x16\xfe\xfd", 3), VG_DTLS_FAILED);
    pair_free(p);

    /* The server finds the client's certificate wrong. */
    p = pair_new(NULL, vg_dtls_identity_fingerprint(other));
    vg_dtls_start(p->client);
    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_FAILED);
    CHECK_STR_EQ(vg_dtls_error(p->server), "certificate fingerprint does not match the SDP");
    CHECK(vg_dtls_state_get(p->client) != VG_DTLS_CONNECTED ||
          vg_dtls_state_get(p->server) == VG_DTLS_FAILED);
    pair_free(p);

    /* No fingerprint at all matches nothing. */
    p = pair_new(NULL, "");
    vg_dtls_start(p->client);
    pump(p);
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_FAILED);
    pair_free(p);
    vg_dtls_identity_free(other);
}

static unsigned int short_timer(SSL *ssl, unsigned int timer_us)
{
    return timer_us == 0 ? 50000 : 2 * timer_us; /* 50 ms, then doubling */
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits out the earlier timer of the two and runs both; false when neither runs one. */
static bool run_timers(pair *p)
{
    int64_t c = vg_dtls_timeout_ms(p->client), s = vg_dtls_timeout_ms(p->server);
    if (c < 0 && s < 0)
        return false;
    int64_t wait = c < 0 ? s : s < 0 ? c : c < s ? c : s;
    sleep_ms(wait + 5);
    vg_dtls_on_timeout(p->client);
    vg_dtls_on_timeout(p->server);
    return true;
}

/* RFC 6347 section 4.2.4: a lost flight is sent again when the timer expires. */
static void test_retransmission(void)
{
    pair *p = pair_new(NULL, NULL);
    DTLS_set_timer_cb(p->client->ssl, short_timer);
    DTLS_set_timer_cb(p->server->ssl, short_timer);

    /* The ClientHello is lost. */
    p->to_server.drop_next = 1;
    vg_dtls_start(p->client);
    CHECK_INT_EQ(p->to_server.count, 0);
    int64_t t = vg_dtls_timeout_ms(p->client);
    CHECK(t > 0 && t <= 50);
    /* Early, the timer does nothing. */
    vg_dtls_on_timeout(p->client);
    CHECK_INT_EQ(p->to_server.count, 0);
    sleep_ms(t + 5);
    vg_dtls_on_timeout(p->client);
    CHECK_INT_EQ(p->to_server.count, 1);

    /* Then the server's whole first flight is lost. */
    p->to_client.drop_next = 100;
    queue_deliver(&p->to_server, p->server);
    CHECK(p->to_client.dropped >= 1);
    p->to_client.drop_next = 0;
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_HANDSHAKING);
    CHECK(vg_dtls_timeout_ms(p->server) >= 0);

    /* A timer resends it; then the client's second flight is lost. */
    for (int i = 0; i < 10 && p->to_client.count == 0; i++) {
        run_timers(p);
        queue_deliver(&p->to_server, p->server); /* a resent ClientHello, if the client's ran */
    }
    CHECK(p->to_client.count > 0);
    int lost = p->to_server.dropped;
    p->to_server.drop_next = 100;
    queue_deliver(&p->to_client, p->client);
    p->to_server.drop_next = 0;
    CHECK(p->to_server.dropped > lost);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_HANDSHAKING);

    for (int i = 0; i < 10 && !both_connected(p); i++) {
        pump(p);
        if (!both_connected(p))
            run_timers(p);
    }
    CHECK(both_connected(p));
    keys c, s;
    export_keys(p->client, &c);
    export_keys(p->server, &s);
    check_keys_cross(&c, &s);
    pair_free(p);
}

/*
 * The server's final flight (ChangeCipherSpec, Finished) is lost: the
 * server is connected, the client is not. The client's timer resends its
 * flight and the connected server must answer it with its own again.
 */
static void test_lost_final_flight(void)
{
    pair *p = pair_new(NULL, NULL);
    DTLS_set_timer_cb(p->client->ssl, short_timer);
    vg_dtls_start(p->client);
    queue_deliver(&p->to_server, p->server);
    queue_deliver(&p->to_client, p->client); /* client's second flight queued */
    p->to_client.drop_next = 100;
    queue_deliver(&p->to_server, p->server);
    p->to_client.drop_next = 0;
    CHECK_INT_EQ(vg_dtls_state_get(p->server), VG_DTLS_CONNECTED);
    CHECK_INT_EQ(vg_dtls_state_get(p->client), VG_DTLS_HANDSHAKING);
    for (int i = 0; i < 5 && !both_connected(p); i++) {
        run_timers(p);
        pump(p);
    }
    CHECK(both_connected(p));
    pair_free(p);
}

static void test_garbage(void)
{
    pair *p = pair_new(NULL, NULL);
    uint8_t junk[1500];
    static uint8_t huge[70000];
    srand(7);

    /*
     * Before a handshake, what is not a well-formed record is dropped
     * silently (RFC 6347 section 4.1.2.7): random bytes, another version, a
     * record header whose length runs past the datagram, a datagram larger
     * than libssl's read buffer (its rest must not run into the next one),
     * an empty one, one larger than UDP allows.
     */
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)rand();
    junk[0] = 0xff;
    CHECK_INT_EQ(vg_dtls_input(p->server, junk, sizeof(junk)), VG_DTLS_HANDSHAKING);
    uint8_t tls_version[] = {22, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    CHECK_INT_EQ(vg_dtls_input(p->server, tls_version, sizeof(tls_version)), VG_DTLS_HANDSHAKING);
    uint8_t header_only[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00};
    CHECK_INT_EQ(vg_dtls_input(p->server, header_only, sizeof(header_only)), VG_DTLS_HANDSHAKING);
    memcpy(huge, header_only, 11);
    CHECK_INT_EQ(vg_dtls_input(p->server, huge, 30000), VG_DTLS_HANDSHAKING);
    CHECK_INT_EQ(BIO_ctrl_pending(p->server->rbio), 0);
    CHECK_INT_EQ(vg_dtls_input(p->server, huge, 0), VG_DTLS_HANDSHAKING);
    CHECK_INT_EQ(vg_dtls_input(p->server, huge, sizeof(huge)), VG_DTLS_HANDSHAKING);
    CHECK_INT_EQ(p->to_client.sent, 0);
    /* The server still answers a real ClientHello. */
    vg_dtls_start(p->client);
    pump(p);
    CHECK(both_connected(p));
    pair_free(p);

    /*
     * Records that parse but say nonsense (a truncated ClientHello, random
     * alerts, which epoch 0 does not authenticate) may end the handshake;
     * they must not crash it.
     */
    p = pair_new(NULL, NULL);
    uint8_t bad_hello[] = {22, 0xfe, 0xfd, 0,   0, 0, 0, 0, 0, 0, 0, 0, 12,
                           1,  0,    0,    200, 0, 0, 0, 0, 0, 0, 0, 0};
    vg_dtls_input(p->server, bad_hello, sizeof(bad_hello));
    for (int i = 0; i < 200; i++) {
        size_t len = 1 + (size_t)rand() % 200;
        for (size_t j = 0; j < len; j++)
            junk[j] = (uint8_t)rand();
        junk[0] = 20 + (uint8_t)(rand() % 4); /* a DTLS content type */
        junk[1] = 0xfe;
        junk[2] = 0xfd;
        vg_dtls_input(p->server, junk, len);
    }
    vg_dtls_state st = vg_dtls_state_get(p->server);
    CHECK(st == VG_DTLS_HANDSHAKING || st == VG_DTLS_FAILED);
    pair_free(p);

    /* During and after a handshake: records that fail to decrypt are dropped (RFC 6347 4.1.2.7). */
    p = pair_new(NULL, NULL);
    vg_dtls_start(p->client);
    for (size_t i = 0; i < 100; i++)
        junk[i] = (uint8_t)rand();
    junk[0] = 22;
    junk[1] = 0xfe;
    junk[2] = 0xfd;
    vg_dtls_input(p->client, junk, 100);
    st = vg_dtls_state_get(p->client);
    CHECK(st == VG_DTLS_HANDSHAKING || st == VG_DTLS_FAILED);
    pump(p);
    CHECK(both_connected(p));
    uint8_t app[64] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40};
    for (size_t i = 13; i < sizeof(app); i++)
        app[i] = (uint8_t)rand();
    CHECK_INT_EQ(vg_dtls_input(p->server, app, sizeof(app)), VG_DTLS_CONNECTED);
    CHECK_INT_EQ(vg_dtls_input(p->client, junk, 100), VG_DTLS_CONNECTED);
    pair_free(p);
}

/*
 * A user's certificate may be larger than the MTU (a long subject here):
 * libssl fragments the Certificate message (RFC 6347 section 4.2.3) and no
 * datagram is larger than DTLS_MTU.
 */
static void test_large_certificate(void)
{
    char dir[512], cert[600], key[600], err[512] = "";
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(cert, sizeof(cert), "%s/rsa.crt", dir);
    snprintf(key, sizeof(key), "%s/rsa.key", dir);
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = pk ? make_certificate(pk) : NULL;
    CHECK(x != NULL);
    if (x) {
        /* An OU is at most 64 characters (RFC 5280 appendix A.1): many of them. */
        char ou[61];
        memset(ou, 'x', sizeof(ou) - 1);
        ou[sizeof(ou) - 1] = '\0';
        for (int i = 0; i < 25; i++)
            CHECK(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "OU", MBSTRING_ASC,
                                             (const unsigned char *)ou, -1, -1, 0) == 1);
        CHECK(X509_sign(x, pk, EVP_sha256()) > 0);
        CHECK(i2d_X509(x, NULL) > DTLS_MTU);
        CHECK(save_files(cert, key, x, pk, err, sizeof(err)) == 0);
    }
    X509_free(x);
    EVP_PKEY_free(pk);

    pair *p = calloc(1, sizeof(*p));
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, key, &p->server_id, err, sizeof(err)), 0);
    p->client_id = memory_identity();
    if (p->server_id && p->client_id) {
        p->server = vg_dtls_create(p->server_id, true, vg_dtls_identity_fingerprint(p->client_id),
                                   queue_send, &p->to_client);
        p->client = vg_dtls_create(p->client_id, false, vg_dtls_identity_fingerprint(p->server_id),
                                   queue_send, &p->to_server);
        vg_dtls_start(p->client);
        pump(p);
        CHECK(both_connected(p));
        CHECK(p->to_client.largest <= DTLS_MTU);
        CHECK(p->to_client.sent >= 3);
        CHECK_INT_EQ(p->to_client.overflow, 0);
    }
    pair_free(p);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_identity_files(void)
{
    char dir[512], cert[600], key[600], cert2[600], key2[600], err[512];
    vg_test_tmpdir(dir, sizeof(dir));
    snprintf(cert, sizeof(cert), "%s/dtls.crt", dir);
    snprintf(key, sizeof(key), "%s/dtls.key", dir);
    snprintf(cert2, sizeof(cert2), "%s/other.crt", dir);
    snprintf(key2, sizeof(key2), "%s/other.key", dir);

    /* Made at first start. */
    vg_dtls_identity *id = NULL;
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, key, &id, err, sizeof(err)), 0);
    CHECK(id != NULL);
    char fp[VG_DTLS_FINGERPRINT_SIZE];
    snprintf(fp, sizeof(fp), "%s", id ? vg_dtls_identity_fingerprint(id) : "");
    check_fingerprint_format(fp);
    vg_dtls_identity_free(id);
    struct stat st;
    CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(cert, &st) == 0 && (st.st_mode & 0777) == 0644);
    char text[8192];
    read_file(cert, text, sizeof(text));
    CHECK(strstr(text, "-----BEGIN CERTIFICATE-----") != NULL);
    read_file(key, text, sizeof(text));
    CHECK(strstr(text, "-----BEGIN PRIVATE KEY-----") != NULL);

    /* Loaded at the next. */
    id = NULL;
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, key, &id, err, sizeof(err)), 0);
    CHECK_STR_EQ(id ? vg_dtls_identity_fingerprint(id) : "", fp);
    /* The certificate is what the files say: CN vigil, valid from yesterday for 10 years. */
    FILE *f = fopen(cert, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    CHECK(x != NULL);
    if (x) {
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
        CHECK_STR_EQ(cn, "vigil");
        int days = 0, secs = 0;
        CHECK(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x)) == 1);
        CHECK(days == -1 || (days == 0 && secs < -86000));
        CHECK(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)) == 1);
        CHECK_INT_EQ(days, 3652);
        CHECK(X509_get_signature_nid(x) == NID_ecdsa_with_SHA256);
        X509_free(x);
    }
    /* An identity from the files can make a connection. */
    if (id) {
        vg_dtls_identity *peer = memory_identity();
        pair *p = calloc(1, sizeof(*p));
        p->server =
            vg_dtls_create(id, true, vg_dtls_identity_fingerprint(peer), queue_send, &p->to_client);
        p->client = vg_dtls_create(peer, false, fp, queue_send, &p->to_server);
        vg_dtls_start(p->client);
        pump(p);
        CHECK(both_connected(p));
        p->server_id = id;
        p->client_id = peer;
        pair_free(p);
        id = NULL;
    }

    /* A second identity, whose key does not match the first's certificate. */
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert2, key2, &id, err, sizeof(err)), 0);
    vg_dtls_identity_free(id);
    id = NULL;
    err[0] = '\0';
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, key2, &id, err, sizeof(err)), VG_EIO);
    CHECK(id == NULL);
    CHECK(strstr(err, "does not match") != NULL);
    fprintf(stderr, "  (expected) %s\n", err);

    /* One file without the other: an error, and the file is left alone. */
    char before[8192], after[8192];
    read_file(cert2, before, sizeof(before));
    unlink(key2);
    err[0] = '\0';
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert2, key2, &id, err, sizeof(err)), VG_EIO);
    CHECK(strstr(err, cert2) != NULL);
    fprintf(stderr, "  (expected) %s\n", err);
    read_file(cert2, after, sizeof(after));
    CHECK_STR_EQ(after, before);
    CHECK(access(key2, F_OK) != 0);

    /* Files that do not parse. */
    write_text(key2, "not a key\n");
    err[0] = '\0';
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert2, key2, &id, err, sizeof(err)), VG_EIO);
    CHECK(strstr(err, key2) != NULL);
    fprintf(stderr, "  (expected) %s\n", err);
    write_text(cert2, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert2, key, &id, err, sizeof(err)), VG_EIO);
    CHECK(strstr(err, cert2) != NULL);

    /* An encrypted key fails instead of prompting for a passphrase. */
    {
        EVP_PKEY *pk = EVP_EC_gen("P-256");
        FILE *kf = fopen(key2, "w");
        CHECK(pk && kf);
        if (pk && kf)
            PEM_write_PrivateKey(kf, pk, EVP_aes_128_cbc(), (unsigned char *)"secret", 6, NULL,
                                 NULL);
        if (kf)
            fclose(kf);
        EVP_PKEY_free(pk);
        CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, key2, &id, err, sizeof(err)), VG_EIO);
    }

    /* A directory that is not there. */
    char missing_cert[700], missing_key[700];
    snprintf(missing_cert, sizeof(missing_cert), "%s/none/dtls.crt", dir);
    snprintf(missing_key, sizeof(missing_key), "%s/none/dtls.key", dir);
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(missing_cert, missing_key, &id, err, sizeof(err)),
                 VG_EIO);
    fprintf(stderr, "  (expected) %s\n", err);
    CHECK(access(missing_key, F_OK) != 0);

    /* Half a pair of paths is a caller's mistake. */
    CHECK_INT_EQ(vg_dtls_identity_load_or_create(cert, NULL, &id, err, sizeof(err)), VG_EINVAL);

    unlink(cert);
    unlink(key);
    unlink(cert2);
    unlink(key2);
    rmdir(dir);
}

int main(void)
{
    VG_TEST_RUN(test_handshake);
    VG_TEST_RUN(test_profile_aes_cm);
    VG_TEST_RUN(test_no_srtp);
    VG_TEST_RUN(test_fingerprint_case_insensitive);
    VG_TEST_RUN(test_wrong_fingerprint);
    VG_TEST_RUN(test_retransmission);
    VG_TEST_RUN(test_lost_final_flight);
    VG_TEST_RUN(test_garbage);
    VG_TEST_RUN(test_identity_files);
    VG_TEST_RUN(test_large_certificate);
    return vg_test_done();
}
