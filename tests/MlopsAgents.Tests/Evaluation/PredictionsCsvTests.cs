using System.Globalization;
using System.Text;
using MlopsAgents.Plugins.Evaluation;

namespace MlopsAgents.Tests.Evaluation;

public sealed class PredictionsCsvTests
{
    [Fact]
    public void Write_Classification_HeaderQuotesNamesAndRowsRoundTrip()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions.csv");
        string[] classNames = ["cat", "dog, big", "say \"hi\""];
        double[][] probabilities = [[0.1 + 0.2, 2.0 / 3.0, 1 - (0.1 + 0.2) - (2.0 / 3.0)], [0.2, 0.2, 0.6]];

        PredictionsCsv.Write(path, [1, 2], probabilities, classNames);

        var text = File.ReadAllText(path, Encoding.UTF8);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("actual,predicted,p_cat,\"p_dog, big\",\"p_say \"\"hi\"\"\"", lines[0]);
        Assert.Equal(3, lines.Length);

        var first = ParseRecord(lines[1]);
        Assert.Equal(["dog, big", "dog, big"], first[..2]);
        Assert.Equal(probabilities[0], first[2..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)));
        Assert.Equal(["say \"hi\"", "say \"hi\""], ParseRecord(lines[2])[..2]);
        Assert.Equal(["predictions.csv"], dir.FileNames());
    }

    [Fact]
    public void Write_Regression_WritesActualAndPredictedExactly()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions.csv");
        double[] actual = [1.5, -2e-7, 123456789.125];
        double[] predicted = [0.1 + 0.2, Math.PI, -0.0001];

        PredictionsCsv.Write(path, actual, predicted);

        var lines = File.ReadAllLines(path);
        Assert.Equal("actual,predicted", lines[0]);
        Assert.Equal(4, lines.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            var fields = ParseRecord(lines[i + 1]);
            Assert.Equal(actual[i], double.Parse(fields[0], CultureInfo.InvariantCulture));
            Assert.Equal(predicted[i], double.Parse(fields[1], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Write_ExistingFile_ReplacedWithoutLeftovers()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions.csv");
        File.WriteAllText(path, "old content that is longer than the new one, to catch a partial overwrite\n");

        PredictionsCsv.Write(path, [1.0], [2.0]);

        Assert.Equal("actual,predicted\n1,2\n", File.ReadAllText(path));
        Assert.Equal(["predictions.csv"], dir.FileNames());
    }

    [Fact]
    public void Write_MismatchedLengths_ThrowsAndWritesNothing()
    {
        using var dir = new TempDirectory();

        Assert.Throws<ArgumentException>(() => PredictionsCsv.Write(dir.File("p.csv"), [1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => PredictionsCsv.Write(dir.File("p.csv"), [0, 3], [[1.0, 0.0], [0.0, 1.0]], ["a", "b"]));
        Assert.Empty(dir.FileNames());
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"x\"", "\"say \"\"x\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Escape_SpecialCharacters_QuotedPerRfc4180(string field, string expected) =>
        Assert.Equal(expected, PredictionsCsv.Escape(field));

    /// <summary>Splits one RFC 4180 record that holds no line break.</summary>
    private static string[] ParseRecord(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        fields.Add(current.ToString());
        return fields.ToArray();
    }
}
