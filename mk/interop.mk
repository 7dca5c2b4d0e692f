# interop-table: runs gRPC's interop matrix (test/interop/interop-matrix-both-ways.test.ts) and writes its table into docs/interop.md.
.PHONY: interop-table
interop-table: build
	INTEROP_WRITE_DOCS=1 $(NODE) --test --test-reporter=spec --test-timeout=600000 dist/test/interop/interop-matrix-both-ways.test.js
