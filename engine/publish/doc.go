// Package publish carries a sharded night's outputs through shared
// storage: each shard publishes its results, its run and, last, a
// manifest of them to a directory or an object store (gocloud.dev/blob);
// Merge reads every shard's back, checks them, and imports them into one
// store as the single run a single machine would have made, for the
// report package to render.
//
// The layout under the night's URL, for shard I of N:
//
//	shard-I-of-N/results.jsonl.gz   every recon.Result of the shard, in line order, gzipped JSON Lines
//	shard-I-of-N/run.json           the shard's stored run (store.Run)
//	shard-I-of-N/manifest.json      Manifest: status, counts, the sha256 of each file; written last
//
// A shard exists once its manifest does: a shard publishing again deletes
// its manifest first and writes it again last, so a reader never takes a
// half-written shard for a whole one (and the checksums catch a reader
// racing the delete).
package publish
