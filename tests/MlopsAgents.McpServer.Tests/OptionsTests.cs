using MlopsAgents.McpServer.Hosting;

namespace MlopsAgents.McpServer.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Parse_HttpWithoutToken_RefusesToStart()
    {
        var (options, errors) = MlopsMcpOptions.Parse(["--transport", "http", "--host", "0.0.0.0"], _ => null);

        Assert.Null(options);
        Assert.Equal("MLOPS_MCP_TOKEN: the HTTP transport requires a bearer token on the non-loopback address 0.0.0.0; set MLOPS_MCP_TOKEN to a long random secret", Assert.Single(errors));
    }

    [Fact]
    public void Parse_HttpWithToken_ReadsEveryOption()
    {
        var (options, errors) = MlopsMcpOptions.Parse(["--transport", "http", "--port", "0", "--allow-write"], name => name == MlopsMcpOptions.TokenVariable ? "s3cret" : null);

        Assert.Empty(errors);
        Assert.Equal(new MlopsMcpOptions { Transport = "http", Port = 0, AllowWrite = true, Token = "s3cret" }, options);
    }

    [Theory]
    [InlineData("--transport", "smoke", "--transport: 'smoke' is not a transport; allowed: stdio, http")]
    [InlineData("--port", "99999", "--port: '99999' is not a port; allowed: 0 to 65535")]
    [InlineData("--host", "example.com", "--host: 'example.com' is not an IP address; allowed: an IPv4/IPv6 address or localhost")]
    public void Parse_BadValue_NamesOptionValueAndAllowed(string option, string value, string expected)
    {
        var (_, errors) = MlopsMcpOptions.Parse([option, value], _ => null);

        Assert.Equal(expected, Assert.Single(errors));
    }

    [Fact]
    public void BuildHttpApp_NoToken_Throws()
    {
        var context = new Plugins.MlopsContext(new Plugins.Storage.MlopsHome(Directory.CreateTempSubdirectory().FullName), Path.GetTempPath());

        Assert.Throws<InvalidOperationException>(() => MlopsMcpServerSetup.BuildHttpApp(new MlopsMcpOptions { Transport = "http" }, context));
    }
}
