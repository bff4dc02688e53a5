namespace Pipeline.Data.Tests;

public sealed class CsvFieldsTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Quote_QuotesOnlyWhatNeedsIt(string text, string field) => Assert.Equal(field, CsvFields.Quote(text));

    [Fact]
    public void Split_ReadsWhatQuoteWrites()
    {
        string[] values = ["a", "b,c", "\"d\"", "", "e"];

        Assert.Equal(values, CsvFields.Split(string.Join(",", values.Select(CsvFields.Quote))));
        Assert.Equal(["", ""], CsvFields.Split(","));
    }

    [Theory]
    [InlineData("\"open")]
    [InlineData("\"closed\"junk,1")]
    public void Split_RefusesBrokenQuoting(string line) => Assert.Throws<FormatException>(() => CsvFields.Split(line));
}
