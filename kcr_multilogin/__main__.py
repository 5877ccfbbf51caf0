from kcr_multilogin.cli import main

main()
