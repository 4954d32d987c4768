package billing

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The checker reads every byte the writer wrote, in order, however the
// writes and reads are cut, and then the error the writer closed with.
func TestChunkPipeCarriesTheStream(t *testing.T) {
	for _, closeErr := range []error{nil, errors.New("the file could not be written")} {
		p := newChunkPipe()
		var want bytes.Buffer
		go func() {
			for i := range 100 {
				b := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*997%70000)
				want.Write(b)
				n, err := p.Write(b)
				if err != nil || n != len(b) {
					panic("write")
				}
			}
			p.CloseWithError(closeErr)
		}()
		var got bytes.Buffer
		buf := make([]byte, 4093)
		var err error
		for {
			var n int
			n, err = p.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if closeErr == nil {
			assert.Equal(t, io.EOF, err)
		} else {
			assert.Equal(t, closeErr, err)
		}
		require.Equal(t, want.Len(), got.Len())
		assert.True(t, bytes.Equal(want.Bytes(), got.Bytes()))
	}
}
