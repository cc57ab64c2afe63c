package signature

import (
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
)

// inkContrast is how much darker than the image's lightest tone (0–255
// luminance, composited over white) a pixel must be to count as ink. It is
// well above sensor and JPEG noise on a photo of blank paper and well below
// any pen on any paper.
const inkContrast = 64

// isBlank reports whether img carries no visible mark: fewer than one pixel in
// 4000 (at least one) is inkContrast darker than the lightest tone. An image
// of one flat colour — a blank canvas, transparent or white — is always blank.
func isBlank(img image.Image) bool {
	var hist [256]int64
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Y[m.YOffset(b.Min.X, y):][:b.Dx()]
			for _, v := range row {
				hist[v]++
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):][:b.Dx()]
			for _, v := range row {
				hist[v]++
			}
		}
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):][:4*b.Dx()]
			for i := 0; i+3 < len(row); i += 4 {
				a := uint32(row[i+3])
				// Non-premultiplied colour over white: c·a + 255·(255−a).
				l := lum(uint32(row[i]), uint32(row[i+1]), uint32(row[i+2]))
				hist[(l*a+255*(255-a))/255]++
			}
		}
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):][:4*b.Dx()]
			for i := 0; i+3 < len(row); i += 4 {
				// Premultiplied colour over white: c + (255−a).
				w := 255 - uint32(row[i+3])
				hist[lum(uint32(row[i])+w, uint32(row[i+1])+w, uint32(row[i+2])+w)]++
			}
		}
	case *image.Paletted:
		var pl [256]uint8
		for i, c := range m.Palette {
			pl[i] = lum64(c.RGBA())
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):][:b.Dx()]
			for _, v := range row {
				hist[pl[v]]++
			}
		}
	default:
		// 16-bit PNGs and CMYK JPEGs: rare, so the slow generic path is fine.
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				hist[lum64(m.At(x, y).RGBA())]++
			}
		}
	}
	lightest := 255
	for lightest > 0 && hist[lightest] == 0 {
		lightest--
	}
	var ink int64
	for l := 0; l <= lightest-inkContrast; l++ {
		ink += hist[l]
	}
	minInk := max(1, int64(b.Dx())*int64(b.Dy())/4000)
	return ink < minInk
}

// lum is the Rec. 601 luma of 8-bit components, clamped to 255.
func lum(r, g, b uint32) uint32 {
	l := (299*r + 587*g + 114*b) / 1000
	return min(l, 255)
}

// lum64 takes color.Color.RGBA()'s premultiplied 16-bit values and returns
// the 8-bit luma of that colour over white.
func lum64(r, g, b, a uint32) uint8 {
	w := 0xffff - a
	return uint8(lum((r+w)>>8, (g+w)>>8, (b+w)>>8))
}

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, or 1 when
// there is none or it cannot be read. It only walks the marker segments
// before the image data and checks every offset, as b is hostile.
func jpegOrientation(b []byte) int {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) { // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure; 0 if absent.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[ifd:]))
	for k := int64(0); k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// Type 3 is SHORT; the value sits in the first two bytes of the field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) < 1 {
			return 0
		}
		if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}

// orient applies an EXIF orientation to m, which is small (≤ 492×192).
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-dx, dy
			case 3: // rotated 180°
				sx, sy = w-1-dx, h-1-dy
			case 4: // mirrored vertically
				sx, sy = dx, h-1-dy
			case 5: // transposed
				sx, sy = dy, dx
			case 6: // needs 90° clockwise
				sx, sy = dy, h-1-dx
			case 7: // transversed
				sx, sy = w-1-dy, h-1-dx
			case 8: // needs 90° counter-clockwise
				sx, sy = w-1-dy, dx
			}
			si := m.PixOffset(sx, sy)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return dst
}

// boxReduce shrinks img by the integer factor k, averaging each k×k block
// (premultiplied, so transparent pixels do not darken edges). It works one
// source row at a time so a 24 MP photo needs a few kilobytes of scratch
// memory, where a direct CatmullRom reduction to 492 px would allocate a
// float64 buffer of 492×height×32 bytes (about 100 MB for a tall photo).
// The right and bottom remainders narrower than k are dropped.
func boxReduce(img image.Image, k int) *image.RGBA {
	b := img.Bounds()
	ow, oh := b.Dx()/k, b.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	row := image.NewRGBA(image.Rect(0, 0, ow*k, 1))
	sums := make([]uint32, 4*ow)
	div := uint32(k * k)
	for oy := 0; oy < oh; oy++ {
		clear(sums)
		for j := 0; j < k; j++ {
			sy := b.Min.Y + oy*k + j
			// image/draw has fast conversions to RGBA for the types the PNG
			// and JPEG decoders return.
			draw.Draw(row, row.Bounds(), img, image.Pt(b.Min.X, sy), draw.Src)
			p := row.Pix
			for ox := 0; ox < ow; ox++ {
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				for i := 0; i < k; i++ {
					q := p[4*(ox*k+i) : 4*(ox*k+i)+4 : 4*(ox*k+i)+4]
					s[0] += uint32(q[0])
					s[1] += uint32(q[1])
					s[2] += uint32(q[2])
					s[3] += uint32(q[3])
				}
			}
		}
		dst := out.Pix[out.PixOffset(0, oy):][:4*ow]
		for i, v := range sums {
			dst[i] = uint8((v + div/2) / div)
		}
	}
	return out
}

// Paletted returns m as a paletted image when it has at most 256 distinct
// colours, else nil. applicationpdf uses it for the images it embeds. A canvas signature is one ink colour at up to 256 levels
// of anti-aliasing alpha, so it nearly always fits; the PNG encoder then
// writes one byte per pixel and skips the per-row filter search, which makes
// encoding several times faster and the file smaller, losslessly.
func Paletted(m *image.RGBA) *image.Paletted {
	const slots = 1024 // open addressing, load factor ≤ 1/4
	var (
		keys [slots]uint32
		used [slots]bool
		idx  [slots]uint8
		pal  = make(color.Palette, 0, 256)
	)
	b := m.Bounds()
	out := image.NewPaletted(b, nil)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := m.Pix[m.PixOffset(b.Min.X, y):][:4*b.Dx()]
		dst := out.Pix[out.PixOffset(b.Min.X, y):][:b.Dx()]
		for x := range dst {
			p := src[4*x : 4*x+4 : 4*x+4]
			k := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
			h := (k * 2654435761) >> 22
			for used[h] && keys[h] != k {
				h = (h + 1) % slots
			}
			if !used[h] {
				if len(pal) == 256 {
					return nil
				}
				used[h], keys[h], idx[h] = true, k, uint8(len(pal))
				pal = append(pal, color.RGBA{p[0], p[1], p[2], p[3]})
			}
			dst[x] = idx[h]
		}
	}
	out.Palette = pal
	return out
}
