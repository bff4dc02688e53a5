using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// SimCLR's random data augmentation (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
/// Representations", Appendix A), drawn per sample and applied to a whole batch as batched tensor ops on its device.
/// </summary>
/// <remarks>
/// <para>
/// The steps, in the paper's order, each drawn independently per sample (defaults and their sources are on
/// <see cref="SimClrAugmentationOptions"/>):
/// </para>
/// <list type="number">
/// <item>Random resized crop and horizontal flip, folded into one affine sampling grid per sample and applied with one
/// bilinear <c>grid_sample</c> (align_corners false, border padding) back to the full image size. The crop's area
/// fraction is uniform in <see cref="SimClrAugmentationOptions.CropScale"/> and its aspect ratio log-uniform in
/// <see cref="SimClrAugmentationOptions.CropAspectRatio"/>; as in torchvision, a draw that does not fit the image is
/// redrawn, up to 10 tries, after which the crop is the centred whole image (its ratio clamped to the accepted range).
/// The crop is continuous (sub-pixel), not rounded to whole pixels, and its position is uniform over the places where
/// it lies inside the image.</item>
/// <item>Colour jitter with probability <see cref="SimClrAugmentationOptions.ColorJitterProbability"/>: brightness
/// (scale), contrast (blend with the image's mean luma), saturation (blend with the per-pixel luma) and hue (a rotation
/// of the IQ chroma plane of YIQ, an approximation of torchvision's HSV hue shift that keeps luma), in a random order
/// drawn per sample as torchvision does, clamping to [0, 1] after each. Each of these is one per-sample affine colour
/// map, so every position in the order costs one batched matrix product.</item>
/// <item>Grayscale with probability <see cref="SimClrAugmentationOptions.GrayscaleProbability"/> (ITU-R 601-2 luma,
/// kept as 3 channels).</item>
/// <item>Gaussian blur with probability <see cref="SimClrAugmentationOptions.BlurProbability"/>: a separable,
/// depthwise convolution with a per-sample kernel (the batch folded into channels) and reflect padding, as
/// torchvision's <c>gaussian_blur</c>.</item>
/// <item>Random erasing with probability <see cref="SimClrAugmentationOptions.ErasingProbability"/> (not in SimCLR;
/// Zhong et al. 2020, and Cutout, DeVries and Taylor 2017, which FixMatch's strong augmentation ends with): a rectangle
/// whose area fraction is uniform in <see cref="SimClrAugmentationOptions.ErasingScale"/> and whose aspect ratio is
/// log-uniform in [0.3, 3.3], at a uniform position inside the image, is filled with the image's mean value.</item>
/// </list>
/// <para>
/// Saturation, hue and grayscale act only on 3-channel images; on 1-channel images they are no-ops. Every random
/// parameter comes from the CPU generator passed to <see cref="Apply"/>, so a result is a pure function of the images
/// and the generator's state. An instance holds no native memory and is safe to share between threads; a generator is
/// not.
/// </para>
/// </remarks>
public sealed class SimClrAugmentation
{
    // torchvision's RandomResizedCrop tries this many draws before falling back to the whole image.
    private const int CropAttempts = 10;

    // The erased rectangle's height/width ratio range of Zhong et al. (and torchvision's RandomErasing).
    private static readonly (double Min, double Max) ErasingRatio = (0.3, 3.3);

    private readonly bool _cropActive;
    private readonly bool _flipActive;
    private readonly JitterKind[] _jitterKinds;
    private readonly bool _grayscaleActive;
    private readonly bool _blurActive;
    private readonly bool _erasingActive;

    /// <summary>Creates the augmentation for images of shape [channels, height, width].</summary>
    /// <exception cref="ArgumentException">
    /// The options are invalid, channels is not 1 or 3, a side is not positive, or the blur kernel does not fit.
    /// </exception>
    public SimClrAugmentation(SimClrAugmentationOptions options, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(
                nameof(channels), channels, $"channels is {channels}; accepted: 1 or 3.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);

        Options = options;
        Channels = channels;
        Height = height;
        Width = width;

        var kernelSize = (int)Math.Round(options.BlurKernelFraction * Math.Min(height, width));
        BlurKernelSize = Math.Max(3, kernelSize % 2 == 0 ? kernelSize + 1 : kernelSize);

        // A step that cannot change anything is skipped, so that None costs nothing and draws nothing.
        var imageRatio = (double)width / height;
        var wholeImageOnly = options.CropScale is (1.0, 1.0)
            && options.CropAspectRatio.Min <= imageRatio && imageRatio <= options.CropAspectRatio.Max;
        _cropActive = !wholeImageOnly;
        _flipActive = options.HorizontalFlipProbability > 0;
        var kinds = new List<JitterKind>();
        if (options.ColorJitterProbability > 0)
        {
            if (options.Brightness > 0)
            {
                kinds.Add(JitterKind.Brightness);
            }

            if (options.Contrast > 0)
            {
                kinds.Add(JitterKind.Contrast);
            }

            if (options.Saturation > 0 && channels == 3)
            {
                kinds.Add(JitterKind.Saturation);
            }

            if (options.Hue > 0 && channels == 3)
            {
                kinds.Add(JitterKind.Hue);
            }
        }

        _jitterKinds = [.. kinds];
        _grayscaleActive = options.GrayscaleProbability > 0 && channels == 3;
        _blurActive = options.BlurProbability > 0;
        _erasingActive = options.ErasingProbability > 0;
        if (_blurActive && BlurKernelSize / 2 >= Math.Min(height, width))
        {
            throw new ArgumentException(
                $"Blur kernel size {BlurKernelSize} does not fit {height}x{width} images for reflect padding; "
                + "accepted: kernel size / 2 < min(height, width).",
                nameof(options));
        }
    }

    private enum JitterKind
    {
        Brightness,
        Contrast,
        Saturation,
        Hue,
    }

    /// <summary>The validated options.</summary>
    public SimClrAugmentationOptions Options { get; }

    /// <summary>Channels of the images (1 or 3).</summary>
    public int Channels { get; }

    /// <summary>Height of the images in pixels.</summary>
    public int Height { get; }

    /// <summary>Width of the images in pixels.</summary>
    public int Width { get; }

    /// <summary>
    /// The Gaussian blur's kernel size: the odd size nearest to BlurKernelFraction of the shorter side, at least 3.
    /// </summary>
    public int BlurKernelSize { get; }

    /// <summary>
    /// Draws one random view of each image: <paramref name="images"/> float32 [N, C, H, W] in [0, 1] on any device
    /// gives a new float32 [N, C, H, W] tensor in [0, 1] on the same device.
    /// </summary>
    /// <param name="images">The batch; not modified.</param>
    /// <param name="generator">A CPU generator; every random parameter is drawn from it, on the CPU.</param>
    public Tensor Apply(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != Height || images.shape[3] != Width)
        {
            throw new ArgumentException(
                $"images has shape [{string.Join(", ", images.shape)}]; accepted: [N, {Channels}, {Height}, {Width}].",
                nameof(images));
        }

        if (images.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"images has dtype {images.dtype}; accepted: Float32.", nameof(images));
        }

        if (generator.device.type != DeviceType.CPU)
        {
            throw new ArgumentException(
                $"generator is on {generator.device}; accepted: a CPU generator.", nameof(generator));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var n = images.shape[0];
        var x = images;                                                                    // [N, C, H, W]
        if (n > 0)
        {
            x = CropAndFlip(x, generator);
            x = ColorJitter(x, generator);
            x = Grayscale(x, generator);
            x = Blur(x, generator);
            x = Erase(x, generator);
        }

        // Every step returns a new tensor when it acts; when none did, the caller still gets a tensor of its own.
        return scope.MoveToOuter(ReferenceEquals(x, images) ? images.clone() : x);
    }

    // Uniform [n, ...] float64 draws on the CPU.
    private static Tensor Uniform(Generator generator, params long[] shape) =>
        rand(shape, dtype: ScalarType.Float64, device: CPU, generator: generator);

    // Affine map from output to input coordinates, both normalised to [-1, 1] (align_corners false: the image's edges):
    // x_in = fw * sign * x_out + cx, y_in = fh * y_out + cy, where fw, fh are the crop's width and height as fractions
    // of the image's and sign = -1 flips.
    private Tensor CropAndFlip(Tensor images, Generator generator)
    {
        if (!_cropActive && !_flipActive)
        {
            return images;
        }

        var n = images.shape[0];
        var device = images.device;
        if (!_cropActive)
        {
            // A flip alone is exact as an index reversal, and cheaper than resampling.
            var flips = Uniform(generator, n) < Options.HorizontalFlipProbability;          // [N] bool
            return where(flips.view(n, 1, 1, 1).to(device), images.flip(3), images);        // [N, C, H, W]
        }

        var (fw, fh, drawn) = DrawCropSize(generator, n);                                  // [N] each
        var centre = Uniform(generator, n, 2);                                              // [N, 2]
        var cx = where(drawn, (1 - fw) * ((2 * centre[.., 0]) - 1), 0.0);                   // [N], inside the image
        var cy = where(drawn, (1 - fh) * ((2 * centre[.., 1]) - 1), 0.0);                   // [N], fallback centred
        var sign = ones(n, dtype: ScalarType.Float64);                                      // [N]
        if (_flipActive)
        {
            sign = where(Uniform(generator, n) < Options.HorizontalFlipProbability, -sign, sign);
        }

        // The map is axis-aligned, so the sampling grid is an outer combination of one row of x and one column of y
        // per sample; built directly, it costs a fraction of affine_grid's batched matrix product.
        var xs = (((arange(Width, dtype: ScalarType.Float64) * 2) + 1) / Width) - 1;       // [W], pixel centres
        var ys = (((arange(Height, dtype: ScalarType.Float64) * 2) + 1) / Height) - 1;     // [H]
        var gridX = ((fw * sign).view(n, 1) * xs) + cx.view(n, 1);                          // [N, W]
        var gridY = (fh.view(n, 1) * ys) + cy.view(n, 1);                                   // [N, H]
        gridX = gridX.to(ScalarType.Float32).to(device);
        gridY = gridY.to(ScalarType.Float32).to(device);
        var grid = stack(
            [gridX.view(n, 1, Width).expand(n, Height, Width), gridY.view(n, Height, 1).expand(n, Height, Width)],
            3);                                                                             // [N, H, W, 2] as (x, y)
        return F.grid_sample(
            images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false); // [N, C, H, W]
    }

    // The crop's width and height as fractions of the image's, [N] each, float64 on the CPU, and whether they were
    // drawn (else they are the fallback, which torchvision centres). torchvision's rejection loop, batched:
    // CropAttempts draws per sample, the first that fits is taken, else the fallback.
    private (Tensor Width, Tensor Height, Tensor Drawn) DrawCropSize(Generator generator, long n)
    {
        var (scaleMin, scaleMax) = Options.CropScale;
        var (logRatioMin, logRatioMax) = (Math.Log(Options.CropAspectRatio.Min), Math.Log(Options.CropAspectRatio.Max));
        var area = scaleMin + ((scaleMax - scaleMin) * Uniform(generator, n, CropAttempts));  // [N, A]
        var logRatio = logRatioMin + ((logRatioMax - logRatioMin) * Uniform(generator, n, CropAttempts));
        var ratio = logRatio.exp();                                                         // [N, A]

        // Pixel width sqrt(area H W ratio) over W, pixel height sqrt(area H W / ratio) over H.
        var imageRatio = (double)Width / Height;
        var fw = (area * ratio / imageRatio).sqrt();                                        // [N, A]
        var fh = (area * imageRatio / ratio).sqrt();                                        // [N, A]
        var fits = (fw <= 1) & (fh <= 1);                                                   // [N, A] bool

        // The first fitting attempt: the highest of fits * (A - attempt), unique per row.
        var rank = arange(CropAttempts, 0, -1, dtype: ScalarType.Float64);                 // [A] = A, A-1, ..., 1
        var first = (fits.to(ScalarType.Float64) * rank).argmax(1, keepdim: true);          // [N, 1]
        var anyFits = fits.any(1);                                                          // [N]

        // torchvision's fallback: the whole image, its ratio clamped to the accepted range, centred.
        var (fallbackWidth, fallbackHeight) =
            imageRatio < Options.CropAspectRatio.Min ? (1.0, imageRatio / Options.CropAspectRatio.Min)
            : imageRatio > Options.CropAspectRatio.Max ? (Options.CropAspectRatio.Max / imageRatio, 1.0)
            : (1.0, 1.0);
        var width = where(anyFits, fw.gather(1, first).squeeze(1), fallbackWidth);          // [N]
        var height = where(anyFits, fh.gather(1, first).squeeze(1), fallbackHeight);        // [N]
        return (width, height, anyFits);
    }

    // Each jitter is an affine colour map per sample, y = clamp(M x + k * meanLuma(x)), M [C, C]: brightness M = f I;
    // contrast M = f I, k = 1 - f; saturation M = f I + (1 - f) 1 luma^T; hue M = the IQ rotation. A sample whose
    // jitter did not fire gets M = I, k = 0 at every position, which leaves it exactly as it was.
    private Tensor ColorJitter(Tensor images, Generator generator)
    {
        var kinds = _jitterKinds.Length;
        if (kinds == 0)
        {
            return images;
        }

        var n = images.shape[0];
        var c = Channels;
        var fired = Uniform(generator, n) < Options.ColorJitterProbability;                 // [N] bool
        var draws = Uniform(generator, n, kinds);                                           // [N, K] in [0, 1)
        var order = Uniform(generator, n, kinds).argsort(1);                                // [N, K], permutations

        // Candidate maps per kind, plus the identity at index K.
        var identity = ColorMatrices.Identity(n, c);                                        // [N, C, C]
        var maps = new Tensor[kinds + 1];                                                   // each [N, C, C]
        var offsets = new Tensor[kinds + 1];                                                // each [N]
        for (var k = 0; k < kinds; k++)
        {
            var u = draws[.., k];                                                           // [N]
            var kind = _jitterKinds[k];
            offsets[k] = zeros(n, dtype: ScalarType.Float64);
            if (kind == JitterKind.Hue)
            {
                maps[k] = ColorMatrices.HueRotation(Options.Hue * ((2 * u) - 1));           // [N, 3, 3]
                continue;
            }

            var strength = kind switch
            {
                JitterKind.Brightness => Options.Brightness,
                JitterKind.Contrast => Options.Contrast,
                _ => Options.Saturation,
            };
            var low = Math.Max(0, 1 - strength);
            var factor = low + ((1 + strength - low) * u);                                  // [N]
            var f = factor.view(n, 1, 1);                                                   // [N, 1, 1]
            maps[k] = kind == JitterKind.Saturation
                ? (f * identity) + ((1 - f) * ColorMatrices.ToGray(c))                      // [N, 3, 3]
                : f * identity;                                                             // [N, C, C]
            if (kind == JitterKind.Contrast)
            {
                offsets[k] = 1 - factor;
            }
        }

        maps[kinds] = identity;
        offsets[kinds] = zeros(n, dtype: ScalarType.Float64);

        // Which map each sample uses at each position of its order: [N, K] indices into the K + 1 candidates.
        var chosen = where(fired.unsqueeze(1), order, kinds);                               // [N, K]
        var allMaps = stack(maps, 1);                                                       // [N, K+1, C, C]
        var allOffsets = stack(offsets, 1);                                                 // [N, K+1]
        var device = images.device;
        var stepMaps = allMaps.gather(1, chosen.view(n, kinds, 1, 1).expand(n, kinds, c, c))
            .to(ScalarType.Float32).to(device);                                             // [N, K, C, C]
        var stepOffsets = allOffsets.gather(1, chosen).to(ScalarType.Float32).to(device);   // [N, K]
        var usesContrast = _jitterKinds.Contains(JitterKind.Contrast);
        var luma = ColorMatrices.ToGray(c)[0].to(ScalarType.Float32).to(device);            // [C]

        var x = images.reshape(n, c, Height * Width);                                       // [N, C, HW]
        for (var position = 0; position < kinds; position++)
        {
            var y = bmm(stepMaps[.., position], x);                                         // [N, C, HW]
            if (usesContrast)
            {
                var meanLuma = x.mean([2]).matmul(luma);                                    // [N]
                y = y.add_((stepOffsets[.., position] * meanLuma).view(n, 1, 1));           // [N, C, HW]
            }

            x = y.clamp_(0, 1);
        }

        return x.view(n, c, Height, Width);                                                 // [N, C, H, W]
    }

    private Tensor Grayscale(Tensor images, Generator generator)
    {
        if (!_grayscaleActive)
        {
            return images;
        }

        var n = images.shape[0];
        var fired = (Uniform(generator, n) < Options.GrayscaleProbability).view(n, 1, 1);  // [N, 1, 1] bool
        var maps = where(fired, ColorMatrices.ToGray(3), ColorMatrices.Identity(n, 3));     // [N, 3, 3]
        maps = maps.to(ScalarType.Float32).to(images.device);
        var gray = bmm(maps, images.reshape(n, 3, Height * Width));                         // [N, 3, HW]
        return gray.clamp_(0, 1).view(n, 3, Height, Width);                                 // [N, 3, H, W]
    }

    // A separable Gaussian blur with a kernel per sample: the batch folded into the channels of grouped convolutions.
    private Tensor Blur(Tensor images, Generator generator)
    {
        if (!_blurActive)
        {
            return images;
        }

        var n = images.shape[0];
        var c = Channels;
        var size = BlurKernelSize;
        var half = size / 2;
        var fired = Uniform(generator, n) < Options.BlurProbability;                        // [N] bool
        var (sigmaMin, sigmaMax) = Options.BlurSigma;
        var sigma = sigmaMin + ((sigmaMax - sigmaMin) * Uniform(generator, n).view(n, 1));  // [N, 1]
        var offsets = arange(-half, half + 1, dtype: ScalarType.Float64).view(1, size);     // [1, k]
        var gaussian = (-offsets.square() / (2 * sigma.square())).exp();                    // [N, k]
        gaussian /= gaussian.sum(1, keepdim: true);                                         // [N, k], rows sum to 1
        var delta = (offsets == 0).to(ScalarType.Float64);                                  // [1, k], identity
        var kernels = where(fired.view(n, 1), gaussian, delta);                             // [N, k]
        kernels = kernels.repeat_interleave(c, 0).to(ScalarType.Float32).to(images.device);  // [N*C, k]

        var folded = images.reshape(1, n * c, Height, Width);                               // [1, N*C, H, W]
        var padded = F.pad(folded, [half, half, half, half], PaddingModes.Reflect);         // [1, N*C, H+2h, W+2h]
        var vertical = F.conv2d(padded, kernels.view(n * c, 1, size, 1), groups: n * c);    // [1, N*C, H, W+2h]
        var blurred = F.conv2d(vertical, kernels.view(n * c, 1, 1, size), groups: n * c);   // [1, N*C, H, W]
        return blurred.clamp_(0, 1).view(n, c, Height, Width);                              // [N, C, H, W]
    }

    // Random erasing: per sample, a whole-pixel rectangle [top, bottom) x [left, right) filled with the image's mean
    // (an empty rectangle when the sample is not erased), as one masked where over the batch.
    private Tensor Erase(Tensor images, Generator generator)
    {
        if (!_erasingActive)
        {
            return images;
        }

        var n = images.shape[0];
        double[] draws = Uniform(generator, n, 5).data<double>().ToArray();                 // fired, area, ratio, top, left
        var bounds = new float[n * 4];
        var (scaleMin, scaleMax) = Options.ErasingScale;
        for (var i = 0; i < n; i++)
        {
            ReadOnlySpan<double> d = draws.AsSpan(i * 5, 5);
            if (d[0] >= Options.ErasingProbability)
            {
                continue;
            }

            var area = Height * Width * (scaleMin + ((scaleMax - scaleMin) * d[1]));
            var ratio = Math.Exp(Math.Log(ErasingRatio.Min) + ((Math.Log(ErasingRatio.Max) - Math.Log(ErasingRatio.Min)) * d[2]));
            var h = Math.Min(Height, Math.Sqrt(area / ratio));
            var w = Math.Min(Width, Math.Sqrt(area * ratio));
            var top = Math.Round((Height - h) * d[3]);
            var left = Math.Round((Width - w) * d[4]);
            bounds[i * 4] = (float)top;
            bounds[(i * 4) + 1] = (float)(top + Math.Max(1, Math.Round(h)));
            bounds[(i * 4) + 2] = (float)left;
            bounds[(i * 4) + 3] = (float)(left + Math.Max(1, Math.Round(w)));
        }

        var box = tensor(bounds).view(n, 4, 1, 1).to(images.device);                         // [N, 4, 1, 1]
        var rows = arange(Height, dtype: ScalarType.Float32, device: images.device).view(1, Height, 1);
        var cols = arange(Width, dtype: ScalarType.Float32, device: images.device).view(1, 1, Width);
        var inside = (rows >= box.select(1, 0)) & (rows < box.select(1, 1)) & (cols >= box.select(1, 2)) & (cols < box.select(1, 3)); // [N, H, W]
        var mean = images.mean([1, 2, 3], keepdim: true);                                   // [N, 1, 1, 1]
        return where(inside.unsqueeze(1), mean, images);                                    // [N, C, H, W]
    }
}
