package applicationpdf

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log/slog"
	"sync"

	"unionhall/internal/membership/signature"
)

// pdfImage is an opaque 8-bit PNG (palette or RGB) that fpdf embeds
// without re-coding.
type pdfImage struct {
	png  []byte
	w, h int
}

const (
	maxSignatureSide = 2000 // signatures arrive at most 492×192; be lenient
	maxLogoSide      = 4000
)

var errNotImage = errors.New("not a PNG or JPEG image")

// pngEncoder keeps its zlib state in a pool: a new compressor allocates about
// a megabyte, which was a tenth of a PDF's cost.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// normaliseImage decodes a PNG or JPEG (type sniffed from the bytes, size
// checked from the header before decoding), flattens it onto white and
// re-encodes it as an opaque PNG: with a palette when it has at most 256
// colours (a drawn signature always has), which the PNG encoder writes
// without its per-row filter search, else as RGB. fpdf's own PNG reader refuses 16-bit
// and interlaced files and drops the partial transparency of palette images,
// so handing it one known shape avoids surprises from whatever was stored.
// nil in, nil out.
func normaliseImage(b []byte, maxSide int) (*pdfImage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	default:
		return nil, errNotImage
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return nil, fmt.Errorf("read image header: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSide || cfg.Height > maxSide {
		return nil, fmt.Errorf("image is %dx%d, limit %d per side", cfg.Width, cfg.Height, maxSide)
	}
	src, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	bounds := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, bounds.Dx(), bounds.Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, bounds.Min, draw.Over)
	var img image.Image = dst
	if p := signature.Paletted(dst); p != nil {
		img = p
	}
	var out bytes.Buffer
	if err := pngEncoder.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("encode image: %w", err)
	}
	return &pdfImage{png: out.Bytes(), w: dst.Bounds().Dx(), h: dst.Bounds().Dy()}, nil
}

// The union's logo is the same on every PDF, so its normalised form is kept
// (one entry: a site has one logo; a changed logo simply replaces it).
var logoCache struct {
	sync.Mutex
	sum [sha256.Size]byte
	img *pdfImage
}

// cachedLogo returns the normalised logo, or nil when there is none or it
// cannot be used (SVG, another format, corrupt): a configuration problem must
// not stop an applicant's PDF, so it is logged and the logo left out.
func cachedLogo(b []byte) *pdfImage {
	if len(b) == 0 {
		return nil
	}
	sum := sha256.Sum256(b)
	logoCache.Lock()
	defer logoCache.Unlock()
	if logoCache.img != nil && logoCache.sum == sum {
		return logoCache.img
	}
	img, err := normaliseImage(b, maxLogoSide)
	if err != nil {
		// SVG logos are common on websites; fpdf cannot place them, and
		// rasterising is not worth a dependency here.
		slog.Warn("application pdf: union logo left out", "err", err)
		return nil
	}
	logoCache.sum, logoCache.img = sum, img
	return img
}
