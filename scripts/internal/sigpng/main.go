// Command sigpng prints a data: URL of a small PNG with a pen stroke, the
// kind of signature a canvas sends; scripts/bench-join puts it in its
// request body.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
)

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 40))
	for x := 10; x < 110; x++ {
		for dy := 0; dy < 3; dy++ {
			img.Set(x, 18+dy+(x%16)/4, color.Black)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	fmt.Print("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}
