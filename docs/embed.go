// Package docs embeds the download API's OpenAPI 3 document, openapi.json, so that
// vpsau serve serves the very file checked in here.
package docs

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"sync"
)

// OpenAPI is docs/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// OpenAPISHA256 returns the document's SHA-256 in lowercase hex (its ETag), computed once.
var OpenAPISHA256 = sync.OnceValue(func() string {
	sum := sha256.Sum256(OpenAPI)
	return hex.EncodeToString(sum[:])
})
