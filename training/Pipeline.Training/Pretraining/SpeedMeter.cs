namespace Pipeline.Training.Pretraining;

/// <summary>Images per second over a sliding window of recent steps, and the time left at that speed.</summary>
public sealed class SpeedMeter
{
    private const int Window = 20;
    private readonly Queue<(double Seconds, int Images)> _recent = new();
    private double _windowStart;
    private int _windowImages;

    /// <summary>Records a step of <paramref name="images"/> images that ended at <paramref name="elapsedSeconds"/>.</summary>
    public void Record(int images, double elapsedSeconds)
    {
        if (_recent.Count == 0)
        {
            _windowStart = 0;
        }
        _recent.Enqueue((elapsedSeconds, images));
        _windowImages += images;
        while (_recent.Count > Window)
        {
            (double seconds, int dropped) = _recent.Dequeue();
            _windowStart = seconds;
            _windowImages -= dropped;
        }
    }

    /// <summary>Images per second over the window; 0 before the first step.</summary>
    public double ImagesPerSecond
    {
        get
        {
            if (_recent.Count == 0)
            {
                return 0;
            }
            double span = _recent.Last().Seconds - _windowStart;
            return span > 0 ? _windowImages / span : 0;
        }
    }

    /// <summary>The time <paramref name="imagesLeft"/> images take at the current speed.</summary>
    public TimeSpan Remaining(long imagesLeft) =>
        ImagesPerSecond > 0 ? TimeSpan.FromSeconds(imagesLeft / ImagesPerSecond) : TimeSpan.Zero;
}
