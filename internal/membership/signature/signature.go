package signature

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/sync/semaphore"
)

// Limits. They are variables only in the sense of documentation; the package
// never changes them.
const (
	// MaxEncodedBytes is the largest accepted image file (the 2 MB).
	MaxEncodedBytes = 2 << 20
	// MaxSide and MaxPixels bound what DecodeConfig may report before we
	// allocate anything: 24 MP covers any phone photo of a sheet of paper.
	MaxSide   = 8000
	MaxPixels = 24_000_000
	// Width and Height are the box the result is scaled down to fit.
	Width  = 492
	Height = 192
)

// Error codes. They are part of the API: the form and the JSON API map them to
// messages in the applicant's language.
const (
	CodeRequired   = "required"   // nothing was sent
	CodeEmpty      = "empty"      // an image with no visible mark (blank canvas)
	CodeFormat     = "format"     // not PNG or JPEG, or a data URL of another type
	CodeTooLarge   = "too_large"  // more than MaxEncodedBytes
	CodeDimensions = "dimensions" // width/height beyond MaxSide/MaxPixels, or zero
	CodeCorrupt    = "corrupt"    // claims to be PNG/JPEG but does not decode
)

// Error is returned for every refused signature. Code is one of the Code*
// constants; err (if any) holds the decoder's detail for logs and never any
// personal data.
type Error struct {
	Code string
	err  error
}

func (e *Error) Error() string {
	if e.err != nil {
		return "signature: " + e.Code + ": " + e.err.Error()
	}
	return "signature: " + e.Code
}

func (e *Error) Unwrap() error { return e.err }

// Is lets errors.Is(err, signature.ErrTooLarge) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrRequired   = &Error{Code: CodeRequired}
	ErrEmpty      = &Error{Code: CodeEmpty}
	ErrFormat     = &Error{Code: CodeFormat}
	ErrTooLarge   = &Error{Code: CodeTooLarge}
	ErrDimensions = &Error{Code: CodeDimensions}
	ErrCorrupt    = &Error{Code: CodeCorrupt}
)

func fail(code string, err error) error { return &Error{Code: code, err: err} }

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
)

// decodeBudget caps the memory taken by decoded pixel buffers at the same time
// across the process (two maximum-size 8-bit RGBA images), so a burst of large
// uploads cannot exhaust memory. Small canvas signatures (~0.4 MB) barely
// touch it.
const decodeBudgetBytes = 2 * 4 * MaxPixels

var decodeBudget = semaphore.NewWeighted(decodeBudgetBytes)

// decodeBytes estimates the size of the buffer the decoder will allocate.
func decodeBytes(cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch cfg.ColorModel {
	case color.GrayModel:
		return px
	case color.Gray16Model:
		return 2 * px
	case color.RGBA64Model, color.NRGBA64Model:
		return 8 * px
	case color.YCbCrModel:
		return 3 * px // 4:4:4 at worst
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		return px
	}
	return 4 * px
}

// FromBytes validates an uploaded PNG or JPEG signature and returns it
// re-encoded as a PNG no larger than Width×Height.
func FromBytes(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, ErrRequired
	}
	if len(b) > MaxEncodedBytes {
		return nil, ErrTooLarge
	}
	isJPEG := false
	switch {
	case bytes.HasPrefix(b, pngMagic):
	case bytes.HasPrefix(b, jpegMagic):
		isJPEG = true
	default:
		return nil, ErrFormat
	}

	var (
		cfg image.Config
		err error
	)
	if isJPEG {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fail(CodeCorrupt, fmt.Errorf("read header: %w", err))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide ||
		int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fail(CodeDimensions, fmt.Errorf("%dx%d", cfg.Width, cfg.Height))
	}

	orientation := 1
	if isJPEG {
		orientation = jpegOrientation(b)
	}

	weight := min(decodeBytes(cfg), decodeBudgetBytes)
	// Acquire cannot fail with a background context and weight ≤ the total.
	_ = decodeBudget.Acquire(context.Background(), weight)
	img, err := decode(b, isJPEG)
	var out *image.RGBA
	blank := false
	if err == nil {
		blank = isBlank(img)
		if !blank {
			out = fit(img, orientation)
		}
	}
	decodeBudget.Release(weight)
	if err != nil {
		return nil, fail(CodeCorrupt, fmt.Errorf("decode: %w", err))
	}
	if blank {
		return nil, ErrEmpty
	}

	return encode(out)
}

// encoder reuses its zlib state between calls through the pool; without it
// every signature allocates about a megabyte of compressor tables.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &bufferPool{}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *bufferPool) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// encode writes m as PNG. BestSpeed: the images are small and mostly flat,
// so better compression saves a few hundred bytes at twice the CPU time, and
// the JSON API has to sustain hundreds of applications per second.
func encode(m *image.RGBA) ([]byte, error) {
	var img image.Image = m
	if p := Paletted(m); p != nil {
		img = p
	}
	var buf bytes.Buffer
	buf.Grow(8 << 10)
	if err := encoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("signature: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

func decode(b []byte, isJPEG bool) (image.Image, error) {
	if isJPEG {
		return jpeg.Decode(bytes.NewReader(b))
	}
	return png.Decode(bytes.NewReader(b))
}

// FromDataURL accepts exactly what canvas.toDataURL() produces:
// "data:image/png;base64,<standard padded base64>" (or image/jpeg). The MIME
// type only has to name PNG or JPEG; the bytes are sniffed again by FromBytes.
func FromDataURL(s string) ([]byte, error) {
	if s == "" {
		return nil, ErrRequired
	}
	const scheme = "data:"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return nil, fail(CodeFormat, fmt.Errorf("not a data URL"))
	}
	rest := s[len(scheme):]
	comma := strings.IndexByte(rest, ',')
	if comma < 0 {
		return nil, fail(CodeFormat, fmt.Errorf("data URL without comma"))
	}
	meta, payload := rest[:comma], rest[comma+1:]
	// A 0×0 canvas gives "data:,"; nothing was drawn.
	if payload == "" {
		return nil, ErrRequired
	}
	mime, ok := strings.CutSuffix(strings.ToLower(meta), ";base64")
	if !ok {
		return nil, fail(CodeFormat, fmt.Errorf("data URL not base64"))
	}
	switch mime {
	case "image/png", "image/jpeg", "image/jpg":
	default:
		return nil, fail(CodeFormat, fmt.Errorf("data URL type not allowed"))
	}
	// Check the size before allocating the decoded buffer.
	if len(payload) > base64.StdEncoding.EncodedLen(MaxEncodedBytes) {
		return nil, ErrTooLarge
	}
	// encoding/base64 skips CR and LF even in strict mode; toDataURL never
	// emits them, so their presence means the value was not made by a canvas.
	if strings.ContainsAny(payload, "\r\n") {
		return nil, fail(CodeCorrupt, fmt.Errorf("line breaks in base64"))
	}
	b, err := base64.StdEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil, fail(CodeCorrupt, fmt.Errorf("base64: %w", err))
	}
	return FromBytes(b)
}

// fit scales img down (never up) to fit Width×Height keeping its aspect
// ratio, applying the EXIF orientation, into a fresh image. The destination is
// *image.RGBA because x/image/draw has fast paths only for that type.
func fit(img image.Image, orientation int) *image.RGBA {
	sb := img.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	swapped := orientation >= 5 && orientation <= 8
	ow, oh := sw, sh // dimensions as the viewer sees them
	if swapped {
		ow, oh = sh, sw
	}
	tw, th := ow, oh
	if tw > Width || th > Height {
		// Scale by the tighter of the two ratios; integer maths keeps it exact.
		if int64(ow)*Height > int64(oh)*Width {
			tw, th = Width, max(1, int(int64(oh)*Width/int64(ow)))
		} else {
			tw, th = max(1, int(int64(ow)*Height/int64(oh))), Height
		}
	}
	dw, dh := tw, th // target in the source's own orientation
	if swapped {
		dw, dh = th, tw
	}
	if dw == sw && dh == sh {
		dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
		draw.Draw(dst, dst.Bounds(), img, sb.Min, draw.Src)
		return orient(dst, orientation)
	}
	// A reduction by 2× or more starts with a box filter by the largest
	// whole factor (see boxReduce for why); it is exact for a high-DPI
	// canvas (984×384 → 492×192), and leaves CatmullRom only a mild final
	// step otherwise.
	if k := min(sw/dw, sh/dh); k >= 2 {
		reduced := boxReduce(img, k)
		if reduced.Rect.Dx() == dw && reduced.Rect.Dy() == dh {
			return orient(reduced, orientation)
		}
		img, sb = reduced, reduced.Rect
	}
	// CatmullRom averages over the whole footprint of each output pixel, so
	// thin pen strokes survive the reduction instead of aliasing away as
	// they would with nearest-neighbour or bilinear sampling.
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, sb, draw.Src, nil)
	return orient(dst, orientation)
}
