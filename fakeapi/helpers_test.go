package fakeapi_test

import (
	"errors"

	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func asAPIError(err error, target **client.Error) bool { return errors.As(err, target) }
