package console

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// MethodNotAllowed is a console page for a route asked with another method
// (a GET of the sign-out form's action): a page with the console's
// headers, where it was the API's JSON problem without them (a black-box
// pass).
func (k *Console) MethodNotAllowed(c *gin.Context) {
	setHeaders(c.Writer.Header())
	k.page(c, http.StatusMethodNotAllowed, "error", "Method Not Allowed", errorView{Message: "This page is not opened that way; use the console's own links and buttons."})
}
