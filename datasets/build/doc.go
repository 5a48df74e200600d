// Command build makes the public-domain data golora ships, from Debian
// packages fetched and unpacked by datasets/fetch-debs.sh:
//
//	datasets/fetch-debs.sh /tmp/golora-debs
//	go run ./datasets/build -debs /tmp/golora-debs -out datasets
//
// It writes the pretraining corpus (six Jane Austen novels and the King
// James Bible as plain text), a held-out Austen text for perplexity, the
// instruction datasets made from The Devil's Dictionary and the Jargon File,
// a conversation dataset made from their training rows, and MANIFEST.json,
// which records the packages and input files used (with their sha256) and
// the sha256 of every output. With -check it writes
// nothing and fails when a file in -out differs from what it would write.
package main
