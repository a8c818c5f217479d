package admin

import (
	"time"

	"github.com/tandemnet/tandem/server/store"
)

// BanText is the text of a banned player's refusal ("9:0:banned:<text>")
// and closing line ("8:banned:<text>"): the end of the ban in RFC 3339,
// then the reason.
func BanText(b store.Ban) string {
	text := "banned until " + b.Until.UTC().Format(time.RFC3339)
	if b.Reason != "" {
		text += ": " + b.Reason
	}
	return text
}
