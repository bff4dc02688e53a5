using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>
/// Which images of a labelled set a fine-tune may see the labels of: a seeded class-balanced <see cref="LabelFraction"/>
/// ("1%", "600"), or the images a file lists by id (<see cref="ImageIdFile"/>: the CSV <c>pipeline-infer select</c> writes),
/// each taking its label from the data.
/// </summary>
public abstract record LabelledSubset
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms = LabelFraction.AcceptedForms + ", or a file listing the images by id (the CSV pipeline-infer select writes)";

    private LabelledSubset()
    {
    }

    /// <summary>A class-balanced, seeded draw of so many labels.</summary>
    public sealed record Drawn(LabelFraction Fraction) : LabelledSubset
    {
        public override string ToString() => Fraction.ToString();
    }

    /// <summary>The images a file lists.</summary>
    public sealed record Listed(string Path) : LabelledSubset
    {
        public override string ToString() => Path;
    }

    /// <summary>A label fraction when the text is one, else an existing file.</summary>
    /// <exception cref="InvalidSettingException">The text is neither; the message lists the accepted forms.</exception>
    public static LabelledSubset Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return new Drawn(LabelFraction.Parse(text));
        }
        catch (InvalidSettingException) when (File.Exists(text))
        {
            return new Listed(text);
        }
        catch (InvalidSettingException)
        {
            throw new InvalidSettingException($"'{text}' is neither a label fraction nor a file that exists: use {AcceptedForms}.");
        }
    }

    /// <summary>The indices of the images of <paramref name="set"/> whose labels may be used, ascending.</summary>
    /// <exception cref="DataFormatException">A listed file is unreadable or names images the set does not hold.</exception>
    public int[] Select(ImageSet set, int seed)
    {
        ArgumentNullException.ThrowIfNull(set);
        int[] labels = set.RequireLabels();
        return this switch
        {
            Drawn drawn => drawn.Fraction.Select(labels, set.ClassNames.Count, seed),
            Listed listed => ImageIds.Resolve(set, ImageIdFile.Read(listed.Path), listed.Path).Order().ToArray(),
            _ => throw new InvalidOperationException($"{GetType().Name} is not a labelled subset form."),
        };
    }
}
