// Package search is Civic Ledger's full-text search: a bleve index on local
// disk per node, Chinese analysis, query parsing, highlights and facets, and
// the follower that keeps the index in step with the database's outbox.
//
// # Wiring
//
// At start-up a server opens the index under its data directory and starts
// a follower; Run rebuilds the index first when it needs it (new,
// unreadable, or built with other analysis settings), then follows the
// outbox:
//
//	ix, err := search.Open(filepath.Join(dataDir, "search"), logger)
//	f := search.NewFollower(ix, db, logger) // db implements ledger.Outbox
//	go f.Run(ctx)                           // until ctx is cancelled
//	…
//	res, err := ix.Search(ctx, search.Query{Text: "长者食堂 -助餐", Limit: 20})
//
// After a write the caller wants searchable at once (publish → searchable),
// f.Sync(ctx) returns when everything committed before the call is indexed
// on this node; other nodes pick it up within Follower.Interval. On
// shutdown: cancel Run's context, wait for Run to return, then ix.Close().
// The reindex command calls f.Rebuild(ctx) (or opens the index and calls
// CatchUp, which rebuilds when needed). Only one process may open an index
// directory at a time (Open returns ErrIndexBusy otherwise).
//
// # Analysis
//
// Text is normalised rune for rune on both sides (full-width → half-width,
// lower case, traditional → simplified with OpenCC's character table), so
// offsets into the original text survive for highlighting. Chinese runs are
// segmented with gse's shortest-path algorithm over a trimmed copy of gse's
// simplified dictionary (data/words.txt: the 108,851 words of frequency 10
// or more, all characters included; 35 MB of heap instead of 130 MB for the
// full simplified dictionary) and the domain dictionary data/user.txt. Each
// word is indexed with the dictionary words inside it (search mode), all at
// their character offsets, so 长者食堂 matches the phrases 长者食堂 and "长者
// 食堂" alike, and 家政 does not match 国家政策 (segmented 国家/政策). Single-
// character function words (data/stopwords.txt) are not indexed; a phrase
// leaves their place empty. Latin words, numbers and codes stay whole, with
// their parts split at - _ / as extra tokens. A second set of fields holds
// character pairs (without positions) for the fallback used when the words
// find nothing: partial words such as 适老 in 适老化. A pair that a two-
// character word token holds at its place is left to the word field (so is
// a run's last character that is a word, and every Latin word or code), and
// the fallback looks each pair up in both fields: half the pair postings.
// Both fields of a text share one normalisation and segmentation, and the
// term frequencies are made as the tokens come (see newDocument).
//
// The fingerprint of the analysis (code version, dictionaries, character
// table, stop words) is stored in the index; a different one makes the
// index need a rebuild, which is built aside while the old one serves.
//
// # Queries
//
// ParseText splits the text typed: white space separates chunks, quotes
// make phrases, a leading minus excludes. Each word of a plain chunk is
// required (in the title, body, or codes and names) with its synonyms from
// data/synonyms.txt and the everyday words of data/colloquial.txt (盲人 →
// 视障, one way or both) at half weight; a chunk's words in order add a
// boosted phrase clause; words of data/areas.txt favour records of their
// service area. Latin chunks that are English (data/english.txt and the
// English names of ledger's enumerations) or pinyin of a domain word
// (data/domain.txt and the other tables; yanglao, yang lao, yǎng lǎo;
// go-pinyin spells the words) search the Chinese terms too. These tables apply to queries only: they can grow
// without a rebuild. Against the index's term dictionary (widen.go): a
// run no record holds as a word but whose homophone among the domain's
// words records hold is searched as that word (老年仁 → 老年人); a word
// records hold in none of its forms is searched by the longest words inside
// it they hold (养老金 → 养老), at lower weight. When nothing matches, the
// same plan runs on the character pairs, and matches whose text does not
// hold each run whole are dropped (at most verifyCap are checked); when
// that finds nothing either, single characters next to words are dropped
// (低保金 → 低保). Result.Expansions says which of these applied; a query
// with fewer than suggestBelow hits or only partial ones gets Suggestions:
// homophones and words one or two edits away that the index holds, the
// English and pinyin vocabulary for Latin text.
//
// # Storage
//
// The index directory holds two bleve (scorch) indexes, shard-0 and
// shard-1, split by a hash of the document key and searched together, so
// that both cores work on one query; a rebuild writes both at once with
// scorch's offline builder, a segment file per Index.RebuildBatch
// documents, then merges each shard into one segment, one shard at a time,
// letting go of the merged files' pages as it reads them (see build.go).
// During a rebuild the garbage collector runs less often, within a memory
// limit (see tuneGCForRebuild). Facets are counted from one doc-values
// field holding three terms per record (see facetCombo), read once per
// segment into a column of term numbers and counted by a document handler
// as the hits go by (see facetcount.go). Doc values keep
// bleve's compressed encoding: zap's SkipDVCompression lost the values of
// merged segments.
// The stored text of titles and bodies feeds the highlights.
//
// # Integrity
//
// Segment checksums are verified at open; the index records the identity
// of the database it follows and its outbox position, and is discarded and
// rebuilt when they do not fit the database; Verify compares it with the
// database; Result.Indexing is set while it is being built. See
// integrity.go.
//
// # Following the outbox
//
// See Follower: a watermark W (every seq ≤ W done) is stored in the index in
// the same batch as the documents; rows above W are re-read until every gap
// below them is filled or proven rolled back by the transaction horizon.
package search
