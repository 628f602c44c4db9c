package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// APIError is an error the API layer turns into Cattle's error envelope.
type APIError struct {
	Status    int
	Code      string
	Message   string
	FieldName string
	// Spin marks refusals of NERSC's own layer (audit, ownership), whose body held only
	// a message.
	Spin bool
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.FieldName
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, msg)
}

// ErrNotFound is wrapped by lookups of unknown ids.
var ErrNotFound = &APIError{Status: http.StatusNotFound, Code: "Not Found", Message: "Not Found"}

func notFound() error { return ErrNotFound }

func actionNotAvailable(action string) error {
	return &APIError{Status: 422, Code: "ActionNotAvailable", FieldName: "action",
		Message: fmt.Sprintf("action %s is not available in the current state", action)}
}

func invalid(code, field, msg string) error {
	return &APIError{Status: 422, Code: code, FieldName: field, Message: msg}
}

// AsAPIError extracts an APIError from err, or wraps err as a 500.
func AsAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return &APIError{Status: 500, Code: "Internal Server Error", Message: err.Error()}
}

// refuseAction explains why kind refuses action: no resource of kind has it in any
// state (a typo, or a type without it), or this one's state does not offer it.
func refuseAction(kind, action string) error {
	table := map[string]map[string][]string{KindStack: stackActions,
		KindContainer: containerActions, KindHost: hostActions}[kind]
	known := []string{}
	if isServiceKind(kind) {
		table = serviceActions
		known = append(known, "rollback") // on a failed upgrade (ServiceActions)
	}
	for state := range table {
		known = append(known, Actions(kind, state)...)
	}
	if slices.Contains(known, action) {
		return actionNotAvailable(action)
	}
	slices.Sort(known)
	return invalid("InvalidAction", "action", fmt.Sprintf("a %s has no action %s; its "+
		"actions are %s", kind, action, strings.Join(slices.Compact(known), ", ")))
}
