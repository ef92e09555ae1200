package plot

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// dpi is the resolution of PNG files: sharp on a laptop screen, small
// enough to attach to a ticket.
const dpi = 120

// Save writes f as dir/name.png and dir/name.svg and returns the two paths.
// Each is written to a temporary file in dir and renamed into place.
func Save(f Figure, dir, name string) ([]string, error) {
	var files []string
	for _, ext := range []string{".png", ".svg"} {
		path := filepath.Join(dir, name+ext)
		if err := writeAtomic(path, func(w io.Writer) error { return encode(f, ext, w) }); err != nil {
			return files, fmt.Errorf("write plot %s: %w", path, err)
		}
		files = append(files, path)
	}
	return files, nil
}

func encode(f Figure, ext string, w io.Writer) (err error) {
	// gonum/plot panics on some degenerate data (an axis with no range
	// after all); a plot is not worth a crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("draw: %v", r)
		}
	}()
	switch ext {
	case ".png":
		c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))
		f.Draw(draw.New(c))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	case ".svg":
		c := vgsvg.New(f.Width, f.Height)
		f.Draw(draw.New(c))
		_, err = c.WriteTo(w)
	}
	return err
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
