{
  "variables": {
    "onednn_include%": "<!(node -p \"process.env.NNDL_ONEDNN === '0' ? '' : ['/usr/include', '/usr/local/include', '/opt/homebrew/include'].find((d) => require('fs').existsSync(d + '/oneapi/dnnl/dnnl.hpp')) || ''\")"
  },
  "targets": [
    {
      "target_name": "nndl",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cc')).map(f => 'native/' + f).join(' ')\")"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8", "NNDL_OPENBLAS"],
      "include_dirs": ["<!@(pkg-config --cflags-only-I openblas | sed 's/-I//g')"],
      "libraries": ["<!@(pkg-config --libs openblas)"],
      "cflags_cc": ["-std=c++17", "-O3"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3"
      },
      "conditions": [
        ["onednn_include!=''", {
          "defines": ["NNDL_ONEDNN"],
          "include_dirs": ["<(onednn_include)"],
          "libraries": ["-L<(onednn_include)/../lib", "-ldnnl", "-fopenmp"],
          "cflags_cc": ["-fopenmp"]
        }]
      ]
    }
  ]
}
