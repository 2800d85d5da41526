package store

// The trigram table's tokenizer, geul_trigram: SQLite's trigram tokenizer
// keeping, of the trigrams that span a space, only the one centred on it
// ("목 현" of "병목 현상", not "병목 " or " 현상"), and none across a line
// break. TrigramText puts the words it keeps one space apart, and the stock
// tokenizer made three trigrams of every such gap: 65 % of a Korean text's
// trigrams, which cost the table's writes and size. With one, a phrase's
// trigrams still follow one another exactly where the phrase is: a word's
// own trigrams, the trigram of the gap, the next word's. Where that does
// not pin a phrase down (a short word: see pinned), Search checks what the
// table finds against the text.
//
// It is C, registered through FTS5's API on every connection SQLite opens
// in this process (sqlite3_auto_extension), and wraps the stock trigram
// tokenizer, so that case folding and everything else stay SQLite's. The
// declarations below are those of sqlite3.h and fts5.h (public domain),
// which go-sqlite3 compiles into the same binary.

/*
#include <stddef.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct Fts5Tokenizer Fts5Tokenizer;
typedef struct fts5_api fts5_api;

typedef struct fts5_tokenizer {
	int (*xCreate)(void*, const char **azArg, int nArg, Fts5Tokenizer **ppOut);
	void (*xDelete)(Fts5Tokenizer*);
	int (*xTokenize)(Fts5Tokenizer*, void *pCtx, int flags, const char *pText, int nText,
		int (*xToken)(void *pCtx, int tflags, const char *pToken, int nToken, int iStart, int iEnd));
} fts5_tokenizer;

struct fts5_api {
	int iVersion;
	int (*xCreateTokenizer)(fts5_api *pApi, const char *zName, void *pUserData, fts5_tokenizer *pTokenizer, void (*xDestroy)(void*));
	int (*xFindTokenizer)(fts5_api *pApi, const char *zName, void **ppUserData, fts5_tokenizer *pTokenizer);
	// The rest of the struct is not used here.
};

extern int sqlite3_auto_extension(void (*xEntryPoint)(void));
extern int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
extern int sqlite3_bind_pointer(sqlite3_stmt*, int, void*, const char*, void (*)(void*));
extern int sqlite3_step(sqlite3_stmt*);
extern int sqlite3_finalize(sqlite3_stmt*);
extern void *sqlite3_malloc(int);
extern void sqlite3_free(void*);

#define GEUL_SQLITE_OK 0
#define GEUL_SQLITE_NOMEM 7

typedef struct GeulTrigram {
	fts5_tokenizer inner;   // the stock trigram tokenizer's methods
	Fts5Tokenizer *instance; // and its instance, made with this one's arguments
} GeulTrigram;

static int geulTrigramCreate(void *pCtx, const char **azArg, int nArg, Fts5Tokenizer **ppOut) {
	fts5_api *api = (fts5_api*)pCtx;
	GeulTrigram *t = sqlite3_malloc(sizeof(*t));
	if (t == NULL) {
		return GEUL_SQLITE_NOMEM;
	}
	void *ud = NULL;
	int rc = api->xFindTokenizer(api, "trigram", &ud, &t->inner);
	if (rc == GEUL_SQLITE_OK) {
		rc = t->inner.xCreate(ud, azArg, nArg, &t->instance);
	}
	if (rc != GEUL_SQLITE_OK) {
		sqlite3_free(t);
		return rc;
	}
	*ppOut = (Fts5Tokenizer*)t;
	return GEUL_SQLITE_OK;
}

static void geulTrigramDelete(Fts5Tokenizer *p) {
	GeulTrigram *t = (GeulTrigram*)p;
	t->inner.xDelete(t->instance);
	sqlite3_free(t);
}

typedef struct GeulForward {
	void *ctx;
	int (*xToken)(void*, int, const char*, int, int, int);
} GeulForward;

// geulTrigramToken passes on the trigrams inside words, and of those that
// span a space only the one centred on it: it drops a trigram that starts
// or ends with a space, or holds a line break. TrigramText writes no other
// separator, and a trigram is three characters, so the byte checks are
// enough.
static int geulTrigramToken(void *p, int tflags, const char *tok, int n, int start, int end) {
	if (n == 0 || tok[0] == ' ' || tok[n-1] == ' ') {
		return GEUL_SQLITE_OK;
	}
	for (int i = 0; i < n; i++) {
		if (tok[i] == '\n') {
			return GEUL_SQLITE_OK;
		}
	}
	GeulForward *f = (GeulForward*)p;
	return f->xToken(f->ctx, tflags, tok, n, start, end);
}

static int geulTrigramTokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
		int (*xToken)(void*, int, const char*, int, int, int)) {
	GeulTrigram *t = (GeulTrigram*)p;
	GeulForward f = {ctx, xToken};
	return t->inner.xTokenize(t->instance, &f, flags, text, n, geulTrigramToken);
}

// geulTrigramInit registers the tokenizer on a new connection; a build of
// SQLite without FTS5 has nothing to register it with, and the tables that
// name it fail to open with SQLite's own error.
static int geulTrigramInit(sqlite3 *db, char **errMsg, const void *api) {
	fts5_api *fts = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != GEUL_SQLITE_OK) {
		sqlite3_finalize(st);
		return GEUL_SQLITE_OK;
	}
	sqlite3_bind_pointer(st, 1, (void*)&fts, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (fts == NULL) {
		return GEUL_SQLITE_OK;
	}
	fts5_tokenizer tok = {geulTrigramCreate, geulTrigramDelete, geulTrigramTokenize};
	return fts->xCreateTokenizer(fts, "geul_trigram", fts, &tok, NULL);
}

static int geulRegisterTrigram(void) {
	return sqlite3_auto_extension((void (*)(void))geulTrigramInit);
}
*/
import "C"

import "fmt"

func init() {
	if rc := C.geulRegisterTrigram(); rc != 0 {
		panic(fmt.Sprintf("store: register the geul_trigram tokenizer: sqlite3 error %d", int(rc)))
	}
}
