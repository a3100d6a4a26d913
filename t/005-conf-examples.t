# Every configuration in conf-examples/ passes `nginx -t` with the module
# just built and the test keys in place of the installed paths.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use JWTGate::Token;

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;

my $data = JWTGate::Token::data_dir();

# the key files the examples name, and the test keys standing in for them
my %KEYS = ('nestjs-oct' => 'jwks-hmac.json', express => 'jwks-rsa2.json',
            reports => 'jwks-all.json', billing => 'jwks-rsa12.json');
my @files = glob 'conf-examples/*.conf';
ok(@files > 0, 'there are configuration examples');

for my $file (@files) {
    my $dir = tempdir(CLEANUP => 1);
    mkdir "$dir/logs";

    open my $in, '<', $file or die "$file: $!";
    my $conf = do { local $/; <$in> };
    close $in;

    $conf =~ s{/usr/lib/nginx/modules/ngx_http_auth_jwt_module\.so}{$module}g;
    $conf =~ s{/etc/nginx/jwks\.json}{$data/jwks-rsa12.json}g;
    $conf =~ s{/etc/nginx/keys/([\w.-]+)\.json}{
        "$data/" . ($KEYS{$1} // die "$file: no test key for keys/$1.json\n")
    }ge;
    $conf =~ s{^(\s*http\s*\{)}{$1\n    access_log off;}m;

    open my $out, '>', "$dir/nginx.conf" or die $!;
    print $out "pid $dir/nginx.pid;\nerror_log $dir/logs/error.log;\n$conf";
    close $out;

    my $output = `$nginx -t -p $dir/ -c $dir/nginx.conf -e $dir/logs/error.log 2>&1`;
    is($?, 0, "$file passes nginx -t") or diag $output;
}

done_testing();
