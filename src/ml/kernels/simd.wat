;; Evolab's SIMD kernels for training on tfjs-backend-wasm (src/ml/kernels/simd.ts calls them).
;;
;; They run on tfjs's own linear memory, imported, on the byte addresses of tensors tfjs allocated: the module has no
;; data, no stack and no globals, so it writes nowhere but into the buffers it is handed. Tensors are row-major with
;; the channel last ([rows, C] float32); per-channel parameters and f64 accumulators are [C] arrays.
;; src/ml/kernels/simd-build.ts compiles this text with wabt at build time, once as is and once with the memory import
;; made shared (the threaded build of tfjs has a shared memory and a module must import it as such).
(module
  (import "env" "memory" (memory 1))

  ;; dx of a 2x2 max pool with stride 2 and no padding: x is [rows * 2, ow * 2, C] (rows = batch * output rows),
  ;; dy is [rows, ow, C]. Each window's gradient goes to the first of its maxima in row-major order, as in tfjs's cpu
  ;; backend, and nowhere when the maximum is -Infinity or NaN; every other element of dx is 0.
  (func (export "maxpool_grad_2x2")
    (param $x i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $ow i32) (param $c i32)
    (local $cb i32) (local $wb i32) (local $vb i32) (local $r i32) (local $j i32) (local $k i32)
    (local $p i32) (local $o i32) (local $q i32)
    (local $a v128) (local $b v128) (local $cc v128) (local $d v128) (local $m v128) (local $g v128)
    (local $ok v128) (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128) (local $t v128)
    (local $fa f32) (local $fb f32) (local $fc f32) (local $fd f32) (local $fm f32) (local $fg f32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $wb (i32.mul (local.get $cb) (i32.shl (local.get $ow) (i32.const 1))))
    (local.set $vb (i32.shl (i32.shr_u (local.get $c) (i32.const 2)) (i32.const 4)))
    (local.set $q (local.get $dy))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        ;; window row r starts at input row 2r
        (local.set $p (i32.add (local.get $x) (i32.mul (local.get $r) (i32.shl (local.get $wb) (i32.const 1)))))
        (local.set $o (i32.add (local.get $dx) (i32.mul (local.get $r) (i32.shl (local.get $wb) (i32.const 1)))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols_loop
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $ow)))
            (local.set $k (i32.const 0))
            (block $vec_done
              (loop $vec_loop
                (br_if $vec_done (i32.ge_u (local.get $k) (local.get $vb)))
                (local.set $a (v128.load (i32.add (local.get $p) (local.get $k))))
                (local.set $b (v128.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                (local.set $cc (v128.load (i32.add (i32.add (local.get $p) (local.get $wb)) (local.get $k))))
                (local.set $d (v128.load (i32.add (i32.add (i32.add (local.get $p) (local.get $wb)) (local.get $cb)) (local.get $k))))
                (local.set $g (v128.load (i32.add (local.get $q) (local.get $k))))
                (local.set $m (f32x4.max (f32x4.max (local.get $a) (local.get $b)) (f32x4.max (local.get $cc) (local.get $d))))
                (local.set $ok (f32x4.gt (local.get $m) (f32x4.splat (f32.const -inf))))
                (local.set $e0 (v128.and (f32x4.eq (local.get $a) (local.get $m)) (local.get $ok)))
                (local.set $e1 (v128.andnot (v128.and (f32x4.eq (local.get $b) (local.get $m)) (local.get $ok)) (local.get $e0)))
                (local.set $t (v128.or (local.get $e0) (local.get $e1)))
                (local.set $e2 (v128.andnot (v128.and (f32x4.eq (local.get $cc) (local.get $m)) (local.get $ok)) (local.get $t)))
                (local.set $t (v128.or (local.get $t) (local.get $e2)))
                (local.set $e3 (v128.andnot (v128.and (f32x4.eq (local.get $d) (local.get $m)) (local.get $ok)) (local.get $t)))
                (v128.store (i32.add (local.get $o) (local.get $k)) (v128.and (local.get $g) (local.get $e0)))
                (v128.store (i32.add (i32.add (local.get $o) (local.get $cb)) (local.get $k)) (v128.and (local.get $g) (local.get $e1)))
                (v128.store (i32.add (i32.add (local.get $o) (local.get $wb)) (local.get $k)) (v128.and (local.get $g) (local.get $e2)))
                (v128.store (i32.add (i32.add (i32.add (local.get $o) (local.get $wb)) (local.get $cb)) (local.get $k)) (v128.and (local.get $g) (local.get $e3)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $vec_loop)))
            (block $tail_done
              (loop $tail_loop
                (br_if $tail_done (i32.ge_u (local.get $k) (local.get $cb)))
                (local.set $fa (f32.load (i32.add (local.get $p) (local.get $k))))
                (local.set $fb (f32.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                (local.set $fc (f32.load (i32.add (i32.add (local.get $p) (local.get $wb)) (local.get $k))))
                (local.set $fd (f32.load (i32.add (i32.add (i32.add (local.get $p) (local.get $wb)) (local.get $cb)) (local.get $k))))
                (local.set $fg (f32.load (i32.add (local.get $q) (local.get $k))))
                (local.set $fm (f32.max (f32.max (local.get $fa) (local.get $fb)) (f32.max (local.get $fc) (local.get $fd))))
                (local.set $s0 (i32.and (f32.eq (local.get $fa) (local.get $fm)) (f32.gt (local.get $fm) (f32.const -inf))))
                (local.set $s1 (i32.and (i32.and (f32.eq (local.get $fb) (local.get $fm)) (f32.gt (local.get $fm) (f32.const -inf)))
                  (i32.eqz (local.get $s0))))
                (local.set $s2 (i32.and (i32.and (f32.eq (local.get $fc) (local.get $fm)) (f32.gt (local.get $fm) (f32.const -inf)))
                  (i32.eqz (i32.or (local.get $s0) (local.get $s1)))))
                (local.set $s3 (i32.and (i32.and (f32.eq (local.get $fd) (local.get $fm)) (f32.gt (local.get $fm) (f32.const -inf)))
                  (i32.eqz (i32.or (i32.or (local.get $s0) (local.get $s1)) (local.get $s2)))))
                (f32.store (i32.add (local.get $o) (local.get $k)) (select (local.get $fg) (f32.const 0) (local.get $s0)))
                (f32.store (i32.add (i32.add (local.get $o) (local.get $cb)) (local.get $k)) (select (local.get $fg) (f32.const 0) (local.get $s1)))
                (f32.store (i32.add (i32.add (local.get $o) (local.get $wb)) (local.get $k)) (select (local.get $fg) (f32.const 0) (local.get $s2)))
                (f32.store (i32.add (i32.add (i32.add (local.get $o) (local.get $wb)) (local.get $cb)) (local.get $k))
                  (select (local.get $fg) (f32.const 0) (local.get $s3)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $tail_loop)))
            (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))))
            (local.set $o (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1))))
            (local.set $q (i32.add (local.get $q) (local.get $cb)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols_loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; acc[c] += sum over rows of x[row, c], in f64 (x is [rows, C] float32, acc is [C] float64).
  (func (export "colsum") (param $x i32) (param $rows i32) (param $c i32) (param $acc i32)
    (local $cb i32) (local $vb i32) (local $end i32) (local $k i32) (local $ak i32) (local $v v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vb (i32.shl (i32.shr_u (local.get $c) (i32.const 2)) (i32.const 4)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $k (i32.const 0))
        (local.set $ak (local.get $acc))
        (block $vec_done
          (loop $vec_loop
            (br_if $vec_done (i32.ge_u (local.get $k) (local.get $vb)))
            (local.set $v (v128.load (i32.add (local.get $x) (local.get $k))))
            (v128.store (local.get $ak) (f64x2.add (v128.load (local.get $ak)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $ak) (f64x2.add (v128.load offset=16 (local.get $ak))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $ak (i32.add (local.get $ak) (i32.const 32)))
            (br $vec_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $k) (local.get $cb)))
            (f64.store (local.get $ak) (f64.add (f64.load (local.get $ak)) (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (local.set $ak (i32.add (local.get $ak) (i32.const 8)))
            (br $tail_loop)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (br $rows_loop))))

  ;; acc1[c] += sum of x[row, c] and acc2[c] += sum of x[row, c] * y[row, c], in f64 (x and y are [rows, C]).
  (func (export "colsum_dot") (param $x i32) (param $y i32) (param $rows i32) (param $c i32) (param $acc1 i32) (param $acc2 i32)
    (local $cb i32) (local $vb i32) (local $end i32) (local $k i32) (local $a1 i32) (local $a2 i32)
    (local $v v128) (local $w v128) (local $vl v128) (local $vh v128)
    (local $f f64)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vb (i32.shl (i32.shr_u (local.get $c) (i32.const 2)) (i32.const 4)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $k (i32.const 0))
        (local.set $a1 (local.get $acc1))
        (local.set $a2 (local.get $acc2))
        (block $vec_done
          (loop $vec_loop
            (br_if $vec_done (i32.ge_u (local.get $k) (local.get $vb)))
            (local.set $v (v128.load (i32.add (local.get $x) (local.get $k))))
            (local.set $w (v128.load (i32.add (local.get $y) (local.get $k))))
            (local.set $vl (f64x2.promote_low_f32x4 (local.get $v)))
            (local.set $vh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
            (v128.store (local.get $a1) (f64x2.add (v128.load (local.get $a1)) (local.get $vl)))
            (v128.store offset=16 (local.get $a1) (f64x2.add (v128.load offset=16 (local.get $a1)) (local.get $vh)))
            (v128.store (local.get $a2) (f64x2.add (v128.load (local.get $a2))
              (f64x2.mul (local.get $vl) (f64x2.promote_low_f32x4 (local.get $w)))))
            (v128.store offset=16 (local.get $a2) (f64x2.add (v128.load offset=16 (local.get $a2))
              (f64x2.mul (local.get $vh) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $a1 (i32.add (local.get $a1) (i32.const 32)))
            (local.set $a2 (i32.add (local.get $a2) (i32.const 32)))
            (br $vec_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $k) (local.get $cb)))
            (local.set $f (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $k)))))
            (f64.store (local.get $a1) (f64.add (f64.load (local.get $a1)) (local.get $f)))
            (f64.store (local.get $a2) (f64.add (f64.load (local.get $a2))
              (f64.mul (local.get $f) (f64.promote_f32 (f32.load (i32.add (local.get $y) (local.get $k)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (local.set $a1 (i32.add (local.get $a1) (i32.const 8)))
            (local.set $a2 (i32.add (local.get $a2) (i32.const 8)))
            (br $tail_loop)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $y (i32.add (local.get $y) (local.get $cb)))
        (br $rows_loop))))

  ;; out[row, c] = (x[row, c] - p0[c]) * p1[c] + p2[c], with the three [C] float32 parameter vectors one after another at
  ;; $p. Batch-norm forward: p0 = mean, p1 = scale / sqrt(variance + epsilon), p2 = offset.
  (func (export "channel_affine") (param $x i32) (param $rows i32) (param $c i32) (param $p i32) (param $out i32)
    (local $cb i32) (local $vb i32) (local $end i32) (local $k i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vb (i32.shl (i32.shr_u (local.get $c) (i32.const 2)) (i32.const 4)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $k (i32.const 0))
        (block $vec_done
          (loop $vec_loop
            (br_if $vec_done (i32.ge_u (local.get $k) (local.get $vb)))
            (v128.store (i32.add (local.get $out) (local.get $k))
              (f32x4.add
                (f32x4.mul
                  (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $p) (local.get $k))))
                  (v128.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $vec_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $k) (local.get $cb)))
            (f32.store (i32.add (local.get $out) (local.get $k))
              (f32.add
                (f32.mul
                  (f32.sub (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $p) (local.get $k))))
                  (f32.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                (f32.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $tail_loop)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $out (i32.add (local.get $out) (local.get $cb)))
        (br $rows_loop))))

  ;; out[row, c] = (x[row, c] - p0[c]) * p1[c] + p2[c] + y[row, c] * p3[c], with the four [C] float32 parameter
  ;; vectors one after another at $p. Batch-norm backward: dx from x and y = dy (see src/ml/batch-norm.ts).
  (func (export "channel_affine2") (param $x i32) (param $y i32) (param $rows i32) (param $c i32) (param $p i32) (param $out i32)
    (local $cb i32) (local $vb i32) (local $end i32) (local $k i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vb (i32.shl (i32.shr_u (local.get $c) (i32.const 2)) (i32.const 4)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $k (i32.const 0))
        (block $vec_done
          (loop $vec_loop
            (br_if $vec_done (i32.ge_u (local.get $k) (local.get $vb)))
            (v128.store (i32.add (local.get $out) (local.get $k))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $p) (local.get $k))))
                    (v128.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                  (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))) (local.get $k))))
                (f32x4.mul
                  (v128.load (i32.add (local.get $y) (local.get $k)))
                  (v128.load (i32.add (i32.add (local.get $p) (i32.mul (local.get $cb) (i32.const 3))) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $vec_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $k) (local.get $cb)))
            (f32.store (i32.add (local.get $out) (local.get $k))
              (f32.add
                (f32.add
                  (f32.mul
                    (f32.sub (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $p) (local.get $k))))
                    (f32.load (i32.add (i32.add (local.get $p) (local.get $cb)) (local.get $k))))
                  (f32.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))) (local.get $k))))
                (f32.mul
                  (f32.load (i32.add (local.get $y) (local.get $k)))
                  (f32.load (i32.add (i32.add (local.get $p) (i32.mul (local.get $cb) (i32.const 3))) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $tail_loop)))
        (local.set $x (i32.add (local.get $x) (local.get $cb)))
        (local.set $y (i32.add (local.get $y) (local.get $cb)))
        (local.set $out (i32.add (local.get $out) (local.get $cb)))
        (br $rows_loop))))
)
