// Package cocogen writes synthetic COCO instances files shaped like COCO
// train2017 (118,287 images, 860,001 annotations, about 450 MB): the same
// keys in the same order, polygon segmentations of realistic length, 1% of
// annotations crowd regions with RLE counts, 80 categories with ids up to
// 90. It is for benchmarks; the boxes mean nothing.
package cocogen

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strconv"
)

// Train2017 are the image and annotation counts of COCO train2017.
const (
	Train2017Images      = 118287
	Train2017Annotations = 860001
)

// Write writes an instances file with the given counts to w,
// deterministically for a seed.
func Write(w io.Writer, images, annotations int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2017))
	bw := bufio.NewWriterSize(w, 1<<20)
	b := make([]byte, 0, 1<<16)
	flush := func() error {
		_, err := bw.Write(b)
		b = b[:0]
		return err
	}
	b = append(b, `{"info":{"description":"COCO 2017 Dataset (synthetic)","url":"http://cocodataset.org","version":"1.0","year":2017,"contributor":"COCO Consortium","date_created":"2017/09/01"},"licenses":[{"url":"http://creativecommons.org/licenses/by-nc-sa/2.0/","id":1,"name":"Attribution-NonCommercial-ShareAlike License"}],"images":[`...)
	ids := make([]int64, images)
	for i := range images {
		ids[i] = int64(i)*3 + 9 // sparse ids, as COCO's are
		if i > 0 {
			b = append(b, ',')
		}
		name := strconv.AppendInt(nil, 1000000000000+ids[i], 10)[1:] // 12 digits
		b = append(b, `{"license":`...)
		b = strconv.AppendInt(b, int64(1+rng.IntN(8)), 10)
		b = append(b, `,"file_name":"`...)
		b = append(b, name...)
		b = append(b, `.jpg","coco_url":"http://images.cocodataset.org/train2017/`...)
		b = append(b, name...)
		b = append(b, `.jpg","height":`...)
		b = strconv.AppendInt(b, int64(240+rng.IntN(400)), 10)
		b = append(b, `,"width":`...)
		b = strconv.AppendInt(b, int64(320+rng.IntN(320)), 10)
		b = append(b, `,"date_captured":"2013-11-14 11:18:45","flickr_url":"http://farm9.staticflickr.com/8186/8119368305_4e622c8349_z.jpg","id":`...)
		b = strconv.AppendInt(b, ids[i], 10)
		b = append(b, '}')
		if len(b) > 1<<15 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	b = append(b, `],"annotations":[`...)
	for i := range annotations {
		if i > 0 {
			b = append(b, ',')
		}
		x, y := rng.Float64()*500, rng.Float64()*400
		w, h := 1+rng.Float64()*200, 1+rng.Float64()*200
		crowd := rng.IntN(100) == 0
		b = append(b, `{"segmentation":`...)
		if crowd {
			b = append(b, `{"counts":[`...)
			for k := range 40 + rng.IntN(200) {
				if k > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, int64(rng.IntN(400)), 10)
			}
			b = append(b, `],"size":[480,640]}`...)
		} else {
			b = append(b, `[[`...)
			for k := range 2 * (8 + rng.IntN(42)) {
				if k > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendFloat(b, x+rng.Float64()*w, 'f', 2, 64)
			}
			b = append(b, `]]`...)
		}
		b = append(b, `,"area":`...)
		b = strconv.AppendFloat(b, w*h*0.7, 'f', 4, 64)
		b = append(b, `,"iscrowd":`...)
		if crowd {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, `,"image_id":`...)
		b = strconv.AppendInt(b, ids[rng.IntN(images)], 10)
		b = append(b, `,"bbox":[`...)
		for k, v := range []float64{x, y, w, h} {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, v, 'f', 2, 64)
		}
		b = append(b, `],"category_id":`...)
		b = strconv.AppendInt(b, int64(categoryID(rng.IntN(80))), 10)
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, '}')
		if len(b) > 1<<15 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	b = append(b, `],"categories":[`...)
	for c := range 80 {
		if c > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"supercategory":"thing","id":`...)
		b = strconv.AppendInt(b, int64(categoryID(c)), 10)
		b = append(b, `,"name":"class`...)
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, `"}`...)
	}
	b = append(b, "]}\n"...)
	if err := flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// categoryID maps 0..79 to COCO's ids 1..90 with its gaps.
func categoryID(c int) int { return c + 1 + c/8 }
