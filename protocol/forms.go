package protocol

// forms are the expected shapes of the client messages, quoted by every
// bad_command the parser answers ("expected 0:<user>:<password>"), so a
// client author sees at once what to send. PROTOCOL.md documents each.
// This table is their one source.
var forms = map[int]string{
	NumLogin:       "0:<user>:<password>",
	NumRooms:       "1 or 1:<password>",
	NumJoin:        "2:<room>, 2:<room>:<password>, 2:<room>:<password>:<grace seconds> or 2:-1",
	NumMessage:     "3:<target 0-3>:<message> or 3:<target 4-5>:<id>:...:<message>",
	NumWho:         "5, 5:<room> or 5:<room>:<password>",
	NumPing:        "7 or 7:<token>",
	NumInstantiate: "10:<token>:<prefab>:<mode>:<life>:<mask>:<data>",
	NumUpdate:      "11:<id>:<gen>:<ordered>:<mask>:<data>",
	NumOwnership:   "12:<id>:take, 12:<id>:take:<expected owner> or 12:<id>:<give|approve|deny>:<client id>",
	NumDestroy:     "15:<id>",
	NumObjMessage:  "16:<id>:<target>:<message>",
	NumTokenLogin:  "18:<session token>",
	NumResume:      "19:<user>:<resume token>",
	NumLogout:      "21",
}

// lineForm is what a line whose message number cannot be read is told.
const lineForm = "<number>:<fields>, e.g. 0:<user>:<password>"

// Form returns the expected shape of client message num, or "" for a
// number that is not a client command.
func Form(num int) string { return forms[num] }

// expected is a bad_command that quotes the expected form of message num,
// after why the line was refused when the form alone does not say it.
func expected(num int, why string) *ParseError {
	text := "expected " + lineForm
	if f, ok := forms[num]; ok {
		text = "expected " + f
	}
	if why != "" {
		text = why + "; " + text
	}
	return &ParseError{Num: num, Code: CodeBadCommand, Text: text}
}
